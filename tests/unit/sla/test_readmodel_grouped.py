"""The read model's grouped batch writes (`readmodel.write_batch`) leave Redis as the single
commands of `write_changes` do, over the transitions a clock and its escalations go through
(started, at risk, escalated, paused, stopped, moved to another division, rewritten in full).
Redis is modelled by a recorder that applies HSET/ZADD/ZREM to dicts and sets: the commands'
effect, not their number, is compared."""

from __future__ import annotations

from services.sla import readmodel
from services.sla.domain import SubjectState, decide, initial_state
from tests.unit.sla.clock_support import (
    POLICIES,
    cancelled,
    fact,
    informed,
    paused,
    received,
    tick,
)


class Store:
    """HSET / ZADD / ZREM applied at once (what a pipeline's execute does, in order)."""

    def __init__(self) -> None:
        self.hashes: dict[str, dict[str, str]] = {}
        self.sets: dict[str, set[str]] = {}
        self.commands = 0

    def hset(self, key, mapping):
        self.commands += 1
        self.hashes.setdefault(key, {}).update(mapping)

    def zadd(self, key, mapping):
        self.commands += 1
        self.sets.setdefault(key, set()).update(mapping)

    def zrem(self, key, *members):
        self.commands += 1
        self.sets.setdefault(key, set()).difference_update(members)

    def state(self):
        return self.hashes, {k: v for k, v in self.sets.items() if v}


def histories() -> list[list]:
    return [
        [received(0)],
        [received(0), tick(46), tick(61)],
        [received(0), paused(10), tick(80)],
        [received(0), tick(46), informed(50)],
        [received(0, division="rehsos"), fact("DispositionReceived", 5, division="pora")],
        [received(0), tick(61), cancelled(70)],
        [received(30), fact("DispositionReceived", 5, division="rehsos",
                            event_id="ev-earlier")],  # an earlier start corrects the member
    ]


def steps(history, subject: str = "case-1") -> list[tuple[readmodel.Views, SubjectState]]:
    """(before, after) after each input of `history` for one subject."""
    out, state = [], initial_state(subject, 0)
    before = readmodel.NEW
    for inp in history:
        after = decide(state, inp, POLICIES).state
        out.append((before, after))
        before, state = readmodel.views(after), after
    return out


def written(history):
    """Each batch of `history` for three subjects written both ways: yields (k, single,
    grouped, batch) after batch k, which holds step k of every subject (different subjects,
    as in one agent batch), went to `single` command by command and to `grouped` at once."""
    single, grouped = Store(), Store()
    subjects = [steps(history, f"case-{n}") for n in range(3)]
    for k in range(len(history)):
        batch = [s[k] for s in subjects]
        for before, after in batch:
            readmodel.write_changes(single, before, after)
        readmodel.write_batch(grouped, batch)
        yield k, single, grouped, batch


def test_a_batch_written_grouped_leaves_the_read_model_as_single_commands_do():
    for history in histories():
        for k, single, grouped, _ in written(history):
            assert grouped.state() == single.state(), (history, k)
        assert grouped.commands < single.commands


def test_a_full_rewrite_grouped_clears_the_other_states_as_single_commands_do():
    single, grouped = Store(), Store()
    states = [s for _, s in steps([received(0), tick(46), tick(61)])]
    for before, after in steps([received(0), tick(46), tick(61)]):
        readmodel.write_changes(single, before, after)
        readmodel.write_changes(grouped, before, after)
    readmodel.write_batch(grouped, [(None, states[-1])])
    readmodel.write_changes(single, None, states[-1])
    assert grouped.state() == single.state()
    assert any(k.endswith("clocks:breached") for k in grouped.state()[1])



def counted_the_long_way(store: Store, base: str = "sla:v1:clocks:") -> dict[str, int]:
    """The board's counts derived from the listing sets and the hashes (what
    `clock_counts` read on every call before the writer kept them)."""
    def ids(key):
        return [m.rsplit("|", 1)[1] for m in store.sets.get(base + key, set())]

    clocks = {c: store.hashes[f"sla:v1:clock:{c}"] for c in ids("all")}
    risky = {e["clock_id"] for k, e in store.hashes.items() if k.startswith("sla:v1:esc:")
             and e["reason"] == "at_risk" and e["state"] in ("open", "acknowledged")}
    running = [c for c in ids("running") if clocks[c]["state"] == "running"]
    at_risk = sum(1 for c in running if c in risky)
    return {"on_track": len(running) - at_risk, "at_risk": at_risk,
            "breached": sum(1 for c in ids("breached") if clocks[c]["open"] == "1"),
            "paused": len(ids("paused"))}


def kept_counts(store: Store, base: str = "sla:v1:clocks:") -> dict[str, int]:
    return {c: len(store.sets.get(f"{base}count:{c}", set())) for c in readmodel.COUNT_CLASSES}


def test_the_counts_kept_by_the_writer_equal_the_counts_derived_from_the_listings():
    """After every step of every history, single or grouped, for the whole office and for
    each division (a case moved between divisions included), and after a full rewrite."""
    seen = set()
    for history in histories():
        for k, single, grouped, batch in written(history):
            for store in (single, grouped):
                for base in ("sla:v1:clocks:", "sla:v1:clocks:div:rehsos:",
                             "sla:v1:clocks:div:pora:"):
                    assert kept_counts(store, base) == counted_the_long_way(store, base), (
                        history, k, base)
                seen |= {c for c, n in kept_counts(store).items() if n}
            final = [after for _, after in batch]  # after the last: each subject's last state
        rewritten = Store()
        rewritten.sets = {k: set(v) for k, v in grouped.sets.items()}
        rewritten.hashes = {k: dict(v) for k, v in grouped.hashes.items()}
        readmodel.write_batch(rewritten, [(None, state) for state in final])
        assert kept_counts(rewritten) == counted_the_long_way(rewritten)
    assert seen == set(readmodel.COUNT_CLASSES)  # every class was reached by some history
