"""Indexes and counters are what the views imply."""

from datetime import UTC, datetime

import pytest

from services.reporting import scenarios as sc

from .memory import MemoryModel

pytestmark = pytest.mark.unit


def model(envs):
    m = MemoryModel()
    m.apply(envs)
    return m


def test_indexes_follow_the_status():
    m = model(sc.letter_case("c1", until="assigned", division="linjamsos"))
    assert set(m.zsets) >= {"cases", "cases:status:assigned", "cases:division:linjamsos",
                            "cases:channel:letter"}
    m.apply(sc.letter_case("c1", until="closed", division="linjamsos"))
    assert "cases:status:assigned" not in {k for k, v in m.zsets.items() if v}
    assert "c1" in m.zsets["cases:status:closed"]


def test_workload_counts_open_cases_only():
    m = model(sc.letter_case("c1", until="assigned", officer="petugas-rehsos-2")
              + sc.letter_case("c2", until="closed"))
    assert m.counters["workload"] == {"division|rehsos": 1,
                                      "officer|rehsos|petugas-rehsos-2": 1}


def test_sla_counters_per_policy_day_and_state():
    m = model(sc.letter_case("c1", until="closed", breach=True)
              + sc.letter_case("c2", until="closed", n=2)
              + sc.letter_case("c3", until="prepared", n=3))
    # clocks start on DispositionReceived, 2026-03-02 10:30 WIB
    assert m.counters["sla"] == {"inform-applicant|2026-03-02|started": 3,
                                 "inform-applicant|2026-03-02|met": 1,
                                 "inform-applicant|2026-03-02|breached": 1,
                                 "inform-applicant|2026-03-02|running": 1}


def test_volume_by_office_day():
    late_evening_utc = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # 3 March 01:00 WIB
    m = model(sc.letter_case("c1", at=late_evening_utc, until="requested")
              + sc.walk_in_case("w1", until="requested", n=2)
              + sc.complaint("cp-1", channel="website") + sc.visit("v-1"))
    assert m.counters["volume"] == {"requests|2026-03-03|letter": 1,
                                    "requests|2026-03-02|walk_in": 1,
                                    "complaints|2026-03-02|website": 1,
                                    "visits|2026-03-02": 1}


def test_lead_times_are_indexed_per_step():
    m = model(sc.letter_case("c1", until="closed"))
    assert m.zsets["lead:disposition"] == {"c1": 3600.0}
    assert m.zsets["lead:closure"] == {"c1": 96 * 3600.0}


def _applied(c, d):
    """A contribution's zsets and counters with a delta applied (as the store applies it)."""
    zsets = {k: dict(v) for k, v in c.zsets.items() if v}
    counters = {k: dict(v) for k, v in c.counters.items()}
    for key, members in d.zrem.items():
        for m in members:
            zsets.get(key, {}).pop(m, None)
    for key, members in d.zadd.items():
        zsets.setdefault(key, {}).update(members)
    for key, counts in d.counters.items():
        h = counters.setdefault(key, {})
        for f, n in counts.items():
            h[f] = h.get(f, 0) + n
            if h[f] == 0:
                del h[f]
    return ({k: v for k, v in zsets.items() if v},
            {k: v for k, v in counters.items() if v})


def test_delta_turns_any_contribution_into_any_other():
    """Between the views of one subject's history (forwards and backwards: retractions),
    between unrelated subjects (keys only one side has) and from/to nothing."""
    from services.reporting.aggregates import contribution, delta

    from .memory import TZ

    views = [None]
    for until in ("requested", "assigned", "closed"):
        views.append(model(sc.letter_case("c1", until=until, breach=True)).view("c1"))
    views.append(model(sc.letter_case("c2", until="prepared", n=2)).view("c2"))
    views += [model(sc.population(3, seed=s)).view(subject)
              for s in (1, 2) for subject in model(sc.population(3, seed=s)).docs]
    checked = 0
    for a in views:
        for b in views:
            old, new = contribution(a, TZ), contribution(b, TZ)
            expected = ({k: dict(v) for k, v in new.zsets.items() if v},
                        {k: {f: n for f, n in v.items() if n}
                         for k, v in new.counters.items() if any(v.values())})
            assert _applied(old, delta(old, new)) == expected
            checked += 1
    assert checked >= 49
