"""Who may attach, read and remove (services/documents/domain.py), and the case view folded
from intake and disposition events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chassis.auth import Principal
from contracts import envelope
from contracts.disposition import CaseClosed, CaseDisposed, OfficerAssigned, OfficerReassigned
from contracts.intake import VisitorCheckedIn
from contracts.samples import samples
from services.documents import domain

T = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CASE = "c-0001"  # the samples' case


def env(event, seq: int, source: str):
    return envelope(event, source=source, sequence=seq, time=T)


def fold(*envs):
    view = None
    for e in envs:
        view = domain.evolve(view, e) or view
    return view


def requested():
    return env(next(e for e in samples() if e.type == "AudienceRequested"), 1, "intake")


def disposed(division="rehsos", seq=1, copies=()):
    return env(CaseDisposed(case_id=CASE, division=division, instructions="x",
                            disposed_by="kadis", copies=list(copies)), seq, "disposition")


def assigned(officer="petugas-rehsos-1", seq=2):
    return env(OfficerAssigned(case_id=CASE, officer_id=officer, assigned_by="kabid-rehsos"),
               seq, "disposition")


def who(sub, *roles, division=None):
    return Principal(sub=sub, roles=roles, division=division)


FRONT = who("frontdesk", "front_office")
SECRETARIAT = who("sekretariat", "secretariat", division="sekretariat")
KADIS = who("kadis", "head_of_office")
HEAD = who("kabid-rehsos", "division_head", division="rehsos")
OTHER_HEAD = who("kabid-linjamsos", "division_head", division="linjamsos")
OFFICER = who("petugas-rehsos-1", "officer", division="rehsos")
OTHER_OFFICER = who("petugas-rehsos-2", "officer", division="rehsos")
ANALYST = who("analis", "analyst")


def test_the_view_follows_the_case():
    view = fold(requested(), disposed(copies=["linjamsos"]), assigned())
    assert view["division"] == "rehsos" and view["officer_id"] == "petugas-rehsos-1"
    assert view["copies"] == ["linjamsos"] and view["seq"] == {"intake": 1, "disposition": 2}
    moved = domain.evolve(view, env(OfficerReassigned(
        case_id=CASE, officer_id="petugas-rehsos-2", previous_officer_id="petugas-rehsos-1",
        reason="cuti", reassigned_by="kabid-rehsos"), 3, "disposition"))
    assert moved["officer_id"] == "petugas-rehsos-2"


def test_a_redelivered_event_changes_nothing():
    view = fold(requested(), disposed(), assigned())
    assert domain.evolve(view, assigned("petugas-rehsos-2", seq=2)) is None


def test_an_event_of_no_interest_makes_no_case():
    visit = next(e for e in samples() if isinstance(e, VisitorCheckedIn))
    assert domain.evolve(None, env(visit, 1, "intake")) is None


def test_a_closed_case_is_finished():
    view = fold(requested(), disposed(), assigned(),
                env(CaseClosed(case_id=CASE, closed_by="kadis", outcome="selesai"), 3,
                    "disposition"))
    assert domain.is_finished(view)


@pytest.mark.parametrize(("principal", "kinds"), [
    (FRONT, domain.OFFICE_KINDS),
    (SECRETARIAT, domain.OFFICE_KINDS),
    (OFFICER, domain.CASE_KINDS),
    (HEAD, domain.CASE_KINDS),
    (OTHER_OFFICER, frozenset()),
    (OTHER_HEAD, frozenset()),
    (KADIS, frozenset()),
    (ANALYST, frozenset()),
])
def test_who_may_attach_what(principal, kinds):
    view = fold(requested(), disposed(copies=["linjamsos"]), assigned())
    assert domain.kinds_allowed(principal, view) == kinds


@pytest.mark.parametrize(("principal", "may"), [
    (FRONT, True), (SECRETARIAT, True), (KADIS, True), (HEAD, True),
    (OTHER_HEAD, True),  # the case is copied to linjamsos
    (OFFICER, True), (OTHER_OFFICER, False), (ANALYST, False),
    (who("kabid-pmd", "division_head", division="pmd"), False),
])
def test_who_may_read(principal, may):
    view = fold(requested(), disposed(copies=["linjamsos"]), assigned())
    assert domain.may_read(principal, view) is may


def test_only_the_uploader_may_remove():
    assert domain.may_remove(OFFICER, {"by": "petugas-rehsos-1"})
    assert not domain.may_remove(HEAD, {"by": "petugas-rehsos-1"})
