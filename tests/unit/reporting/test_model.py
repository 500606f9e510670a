"""The subject document: statuses, clocks, escalations, lead times, duplicates."""

from datetime import timedelta

import pytest

from contracts import envelope
from contracts.intake import RequestWithdrawn
from contracts.sealed import sample as sealed
from services.reporting import scenarios as sc
from services.reporting.model import insert

from .memory import MemoryModel, item

pytestmark = pytest.mark.unit


def view_after(envs, subject):
    m = MemoryModel()
    m.apply(envs)
    return m.view(subject)


@pytest.mark.parametrize("until", sc.LETTER_STEPS)
def test_letter_status_is_the_furthest_step(until):
    assert view_after(sc.letter_case("c1", until=until), "c1")["status"] == until


@pytest.mark.parametrize("until", sc.WALK_IN_STEPS)
def test_urgent_walk_in_status(until):
    assert view_after(sc.walk_in_case("w1", until=until), "w1")["status"] == until


def test_withdrawal_overrides_later_progress():
    envs = sc.letter_case("c1", until="assigned")
    withdrawn = envelope(RequestWithdrawn(case_id="c1", reason="batal",
                                          withdrawn_at=sc.T0 + timedelta(hours=10)),
                         source="intake", sequence=3, time=sc.T0 + timedelta(hours=10))
    assert view_after([*envs, withdrawn], "c1")["status"] == "withdrawn"


def test_case_view_fields():
    v = view_after(sc.letter_case("c1", division="linjamsos", officer="petugas-linjamsos-1",
                                  until="informed", n=42), "c1")
    assert v["kind"] == "case" and v["channel"] == "letter" and v["division"] == "linjamsos"
    assert v["officer_id"] == "petugas-linjamsos-1"
    assert v["agenda_number"] == "AUD/2026/000042"
    assert v["applicant"] == {"name": sealed("Budi Santoso"),  # sealed, opened when read
                              "identity": {"kind": "KTP", "masked": sealed("1971**********42")},
                              "terms": []}
    assert v["lead_times"] == {"disposition": 3600.0, "receipt": 7200.0, "inform": 18000.0}
    [clock] = v["clocks"]
    assert clock["policy_id"] == "inform-applicant" and clock["state"] == "met"


def test_late_case_has_a_breached_clock_and_resolved_escalations():
    v = view_after(sc.letter_case("c1", until="informed", breach=True), "c1")
    [clock] = v["clocks"]
    assert clock["state"] == "breached" and clock["breached_at"]
    assert [(x["level"], x["state"]) for x in v["escalations"]] == [(1, "resolved"),
                                                                   (2, "resolved")]


def test_running_clock_with_breach_counts_as_breached():
    v = view_after(sc.letter_case("c1", until="prepared", breach=True), "c1")
    assert v["clocks"][0]["state"] == "breached"
    assert {x["state"] for x in v["escalations"]} == {"open", "acknowledged"}


def test_complaint_and_visit_views():
    v = view_after(sc.complaint("cp-1", closed=True), "cp-1")
    assert (v["kind"], v["status"], v["channel"]) == ("complaint", "closed", "sp4n_lapor")
    assert v["clocks"][0]["policy_id"] == "complaint-verify"
    assert view_after(sc.visit("v-1"), "v-1")["kind"] == "visit"


def test_duplicates_by_id_and_by_sequence_are_ignored():
    env = sc.letter_case("c1", until="requested")[0]
    e = item(env).entry
    entries, added = insert([], e)
    assert added
    assert insert(entries, e) == (entries, False)
    same_slot_bigger_id = {**e, "id": e["id"] + "z"}
    assert insert(entries, same_slot_bigger_id) == (entries, False)


def test_conflicting_events_keep_the_smaller_id_whatever_the_order():
    e = item(sc.letter_case("c1", until="requested")[0]).entry
    other = {**e, "id": "0" + e["id"], "facts": {**e["facts"], "applicant_name": "X"}}
    a, _ = insert(insert([], e)[0], other)
    b, _ = insert(insert([], other)[0], e)
    assert a == b == [other]


def test_out_of_order_sla_events_before_the_case_exists():
    envs = sc.letter_case("c1", until="informed")
    sla_first = [e for e in envs if e.source == "sla"] + [e for e in envs if e.source != "sla"]
    assert view_after(sla_first, "c1") == view_after(envs, "c1")


def test_an_event_that_cannot_be_applied_fails_alone():
    from services.reporting.projection import Item, project

    from .memory import TZ

    good = [item(e) for e in sc.letter_case("c1", until="registered")]
    broken = Item(subject="c1", entry={**good[0].entry, "id": "zz", "seq": 99,
                                       "type": "ClockStarted", "facts": {}})
    out = project({}, [good[0], broken, good[1]], TZ)
    assert [i.entry["id"] for i in out.applied] == [good[0].entry["id"], good[1].entry["id"]]
    assert [i for i, _ in out.failed] == [broken] and "ClockStarted" in out.failed[0][1]
    assert out.docs["c1"].view["status"] == "registered"
