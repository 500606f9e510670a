"""The office's own steps (issue 12) in the reporting view: a declined audience is status
`declined` (then closed), a reassignment changes the officer, a returned disposition leaves
the case registered without a division, a returned report sends it back to `held`; the
view is the same whatever order the events arrive in."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from contracts import deterministic_id, envelope
from contracts import disposition as d
from contracts.intake import RequestWithdrawn
from services.reporting import scenarios as sc

from .memory import MemoryModel

pytestmark = pytest.mark.unit
H = timedelta(hours=1)


def then(envs, *events_at):
    """`envs` followed by disposition events at hours after T0, sequenced after its own."""
    seq = max((e.sequence for e in envs if e.source == "disposition"), default=0)
    out = list(envs)
    for n, (hours, event) in enumerate(events_at, start=seq + 1):
        out.append(envelope(event, source="disposition", sequence=n, time=sc.T0 + hours * H,
                            id=deterministic_id("office", event.case_id, n)))
    return out


def view(envs, subject="c1", one_by_one=False):
    m = MemoryModel()
    for batch in ([e] for e in envs) if one_by_one else [envs]:
        m.apply(batch)
    return m.view(subject)


def test_a_declined_audience_is_declined_then_closed():
    envs = then(sc.letter_case("c1", until="assigned"),
                (5, d.AudienceDeclined(case_id="c1", reason="x", channel="letter", message="m",
                                       declined_by="petugas-rehsos-1")))
    assert view(envs)["status"] == "declined"
    closed = then(envs, (6, d.CaseClosed(case_id="c1", closed_by="kadis", outcome="ditolak")))
    assert view(closed)["status"] == "closed"


def test_a_reassignment_changes_the_officer_and_keeps_the_status():
    envs = then(sc.letter_case("c1", until="assigned"),
                (5, d.OfficerReassigned(case_id="c1", officer_id="petugas-rehsos-2",
                                        previous_officer_id="petugas-rehsos-1", reason="sakit",
                                        reassigned_by="kabid-rehsos")))
    v = view(envs)
    assert (v["status"], v["officer_id"], v["division"]) == (
        "assigned", "petugas-rehsos-2", "rehsos")


def test_a_returned_disposition_is_registered_without_a_division_until_disposed_again():
    returned = then(sc.letter_case("c1", until="received", division="pmd"),
                    (3, d.DispositionReturned(case_id="c1", division="pmd", reason="salah",
                                              returned_by="kabid-pmd")))
    v = view(returned)
    assert (v["status"], v["division"], v["priority"]) == ("registered", None, None)
    assert v["steps"]["received"]  # the first receipt still counts for the lead times
    again = then(returned, (4, d.CaseDisposed(case_id="c1", division="dayasos",
                                              instructions="x", disposed_by="kadis")))
    assert (view(again)["status"], view(again)["division"]) == ("disposed", "dayasos")


def test_a_returned_report_is_held_again_then_reported_again():
    envs = sc.letter_case("c1", until="forwarded")
    back = then(envs, (80, d.ResultReportReturned(case_id="c1", note="lengkapi",
                                                  from_status="forwarded",
                                                  returned_by="kadis")))
    assert view(back)["status"] == "held"
    again = then(back, (81, d.ResultReportSubmitted(case_id="c1", summary="s", advice="a",
                                                    submitted_by="petugas-rehsos-1")))
    assert view(again)["status"] == "reported"


def test_the_view_does_not_depend_on_the_arrival_order():
    envs = then(sc.letter_case("c1", until="received"),
                (3, d.DispositionReturned(case_id="c1", division="rehsos", reason="salah",
                                          returned_by="kabid-rehsos")),
                (4, d.CaseDisposed(case_id="c1", division="pmd", instructions="x",
                                   disposed_by="kadis")),
                (5, d.DispositionReceived(case_id="c1", division="pmd", received_by="kabid-pmd")),
                (6, d.OfficerAssigned(case_id="c1", officer_id="petugas-pmd-1",
                                      assigned_by="kabid-pmd")),
                (7, d.AudienceDeclined(case_id="c1", reason="x", channel="phone", message="m",
                                       declined_by="kabid-pmd")))
    expected = view(envs)
    assert (expected["status"], expected["division"], expected["officer_id"]) == (
        "declined", "pmd", "petugas-pmd-1")
    tail = envs[-6:]
    for order in itertools.islice(itertools.permutations(tail), 0, None, 37):
        assert view([*envs[:-6], *order], one_by_one=True) == expected
    assert view(list(reversed(envs)), one_by_one=True) == expected


def withdrawal(hours: float, seq: int):
    at = sc.T0 + hours * H
    return envelope(RequestWithdrawn(case_id="c1", reason="batal", withdrawn_at=at),
                    source="intake", sequence=seq, time=at)


@pytest.mark.parametrize("last", ["closed", "declined", "cancelled"])
def test_a_withdrawal_after_the_case_was_answered_changes_nothing(last):
    if last == "closed":
        envs = sc.letter_case("c1", until="closed")
    else:
        event = (d.AudienceDeclined(case_id="c1", reason="x", channel="surat", message="m",
                                    declined_by="kabid-rehsos") if last == "declined" else
                 d.CaseCancelled(case_id="c1", reason="duplikat", cancelled_by="kadis"))
        envs = then(sc.letter_case("c1", until="assigned"), (5, event))
    late = [*envs, withdrawal(200, seq=3)]
    assert view(late)["status"] == last
    assert "withdrawn" not in view(late)["steps"]


def test_a_withdrawal_before_the_case_was_answered_still_wins():
    envs = then(sc.letter_case("c1", until="assigned"), (5, d.AudienceDeclined(
        case_id="c1", reason="x", channel="surat", message="m", declined_by="kabid-rehsos")))
    early = [*envs, withdrawal(4, seq=3)]
    assert view(early)["status"] == "withdrawn"
