"""Given/when/then for the disposition decider, with the seeded people of config/org.yaml and
one factory per event and command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import Event
from contracts import disposition as ev
from contracts import intake as it
from contracts.sealed import sample as sealed
from services.disposition import errors as e
from services.disposition import model as m
from services.disposition.domain import decide, fold

CASE = "c-unit-1"
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
AT = T0 + timedelta(hours=1)

KADIS = m.Actor(id="kadis", roles=("head_of_office",))
KABID = m.Actor(id="kabid-rehsos", roles=("division_head",), division="rehsos")
KABID_OTHER = m.Actor(id="kabid-linjamsos", roles=("division_head",), division="linjamsos")
OFFICER = m.Actor(id="petugas-rehsos-1", roles=("officer",), division="rehsos")
OFFICER_2 = m.Actor(id="petugas-rehsos-2", roles=("officer",), division="rehsos")
FRONTDESK = m.Actor(id="frontdesk", roles=("front_office",))
SECRETARIAT = m.Actor(id="sekretariat", roles=("secretariat",), division="sekretariat")


# --- events ------------------------------------------------------------------------------
def requested(urgent: bool = False) -> Event:
    letter = None if urgent else it.Letter(number="001/2026", dated=date(2026, 3, 1),
                                           addressed_to="Kadis", sender=sealed("Desa Air Itam"))
    return it.AudienceRequested(
        case_id=CASE, channel="walk_in" if urgent else "letter", urgent=urgent,
        applicant=it.Applicant(name=sealed("Budi")), purpose=sealed("bantuan sosial"),
        form=it.RequestForm(subject="PKH", participants=1), letter=letter, requested_at=T0)


def registered() -> Event:
    return it.RequestRegistered(case_id=CASE, agenda_number="AUD/2026/000001", registered_at=T0)


def withdrawn() -> Event:
    return it.RequestWithdrawn(case_id=CASE, reason="tidak jadi", withdrawn_at=T0)


def disposed(division: str = "rehsos") -> Event:
    return ev.CaseDisposed(case_id=CASE, division=division, instructions="tindak lanjuti",
                           disposed_by="kadis")


def received(division: str = "rehsos", by: str = "kabid-rehsos") -> Event:
    return ev.DispositionReceived(case_id=CASE, division=division, received_by=by)


def assigned(officer: str = "petugas-rehsos-1", by: str = "kabid-rehsos",
             self_assigned: bool = False) -> Event:
    return ev.OfficerAssigned(case_id=CASE, officer_id=officer, assigned_by=by,
                              self_assigned=self_assigned)


def prepared(review: bool = False) -> Event:
    return ev.PreparationRecorded(case_id=CASE, administration="undangan", materials="data PKH",
                                  equipment="ruang rapat", staff_review_required=review)


def reviewed(by_agencies: tuple[str, ...] = ("Dinsos Kab. Bangka",)) -> Event:
    return ev.StaffReviewSubmitted(case_id=CASE, summary="telaahan",
                                   involves_agencies=list(by_agencies),
                                   needs_leadership_meeting=True)


def informed(by: str = "petugas-rehsos-1") -> Event:
    return ev.ApplicantInformed(case_id=CASE, channel="phone", message="jadwal Senin",
                                scheduled_for=T0 + timedelta(days=2), informed_by=by)


def directed(officer: str = "petugas-rehsos-1", division: str = "rehsos",
             by: str = "frontdesk") -> Event:
    return ev.WalkInDirected(case_id=CASE, officer_id=officer, directed_by=by, division=division)


def held() -> Event:
    return ev.AudienceHeld(case_id=CASE, held_at=T0, attendees=[sealed("Budi")],
                           accompanied_by=["kabid-rehsos"], documents_complete=False,
                           missing_documents=["surat rujukan"])


def reported(by: str = "petugas-rehsos-1") -> Event:
    return ev.ResultReportSubmitted(case_id=CASE, summary="hasil", advice="saran",
                                    recommendations=["rujuk ke panti"], submitted_by=by)


def forwarded(by: str = "kabid-rehsos") -> Event:
    return ev.ResultReportForwarded(case_id=CASE, forwarded_by=by)


def closed() -> Event:
    return ev.CaseClosed(case_id=CASE, closed_by="kadis", outcome="selesai")


def cancelled() -> Event:
    return ev.CaseCancelled(case_id=CASE, reason="duplikat", cancelled_by="kadis")


# --- commands ----------------------------------------------------------------------------
def _cmd(cls, actor: m.Actor, **fields) -> m.Command:
    return cls(case_id=CASE, actor=actor, at=AT, **fields)


def dispose(division: str = "rehsos", by: m.Actor = KADIS) -> m.Command:
    return _cmd(m.Dispose, by, division=division, instructions="tindak lanjuti")


def receive(by: m.Actor = KABID) -> m.Command:
    return _cmd(m.Receive, by)


def assign(officer: str = "petugas-rehsos-1", officer_division: str | None = "rehsos",
           by: m.Actor = KABID) -> m.Command:
    return _cmd(m.Assign, by, officer_id=officer, officer_division=officer_division)


def prepare(review: bool = False, by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.Prepare, by, administration="undangan", materials="data PKH",
                equipment="ruang rapat", staff_review_required=review)


def review(by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.SubmitStaffReview, by, summary="telaahan",
                involves_agencies=("Dinsos Kab. Bangka",), needs_leadership_meeting=True)


def inform(by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.InformApplicant, by, channel="phone", message="jadwal Senin",
                scheduled_for=T0 + timedelta(days=2))


def direct(officer: str = "petugas-rehsos-1", division: str = "rehsos",
           by: m.Actor = FRONTDESK) -> m.Command:
    return _cmd(m.DirectWalkIn, by, officer_id=officer, officer_division=division)


def hold(by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.HoldAudience, by, held_at=T0, attendees=(sealed("Budi"),),
                accompanied_by=("kabid-rehsos",), documents_complete=False,
                missing_documents=("surat rujukan",))


def report(by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.SubmitReport, by, summary="hasil", advice="saran",
                recommendations=("rujuk ke panti",))


def forward(by: m.Actor = KABID) -> m.Command:
    return _cmd(m.ForwardReport, by)


def close(by: m.Actor = KADIS) -> m.Command:
    return _cmd(m.Close, by, outcome="selesai")


def cancel(by: m.Actor = KADIS) -> m.Command:
    return _cmd(m.Cancel, by, reason="duplikat")


# --- given / when / then -----------------------------------------------------------------
class _When:
    def __init__(self, state: m.Case | None, command: m.Command) -> None:
        self.state = state
        self.command = command

    def then(self, expected: list[Event]) -> m.Case | None:
        got = decide(self.state, self.command)
        assert got == expected
        return fold(got, self.state)

    def refused(self, error: type[e.DomainError]) -> e.DomainError:
        with pytest.raises(e.DomainError) as info:
            decide(self.state, self.command)
        assert type(info.value) is error, f"expected {error.__name__}, got {info.value!r}"
        assert info.value.text.id and info.value.text.en
        return info.value


class given:  # noqa: N801 - reads as a sentence: given([...]).when(cmd).then([...])
    def __init__(self, events: list[Event]) -> None:
        self.state = fold(events)

    def when(self, command: m.Command) -> _When:
        return _When(self.state, command)


# --- the office's own steps (issue 12) -----------------------------------------------------
def reassigned(officer: str = "petugas-rehsos-2", previous: str = "petugas-rehsos-1",
               by: str = "kabid-rehsos") -> Event:
    return ev.OfficerReassigned(case_id=CASE, officer_id=officer, previous_officer_id=previous,
                                reason="sakit", reassigned_by=by)


def rescheduled(by: str = "petugas-rehsos-1") -> Event:
    return ev.AudienceRescheduled(case_id=CASE, scheduled_for=T0 + timedelta(days=4),
                                  previous_scheduled_for=T0 + timedelta(days=2),
                                  channel="phone", message="jadwal Kamis", rescheduled_by=by)


def declined(by: str = "petugas-rehsos-1") -> Event:
    return ev.AudienceDeclined(case_id=CASE, reason="bukan kewenangan Dinas", channel="letter",
                               message="mohon maaf", declined_by=by)


def report_returned(from_status: str = "reported", by: str = "kabid-rehsos") -> Event:
    return ev.ResultReportReturned(case_id=CASE, note="lengkapi rekomendasi",
                                   from_status=from_status, returned_by=by)


def disposition_returned(division: str = "rehsos", by: str = "kabid-rehsos") -> Event:
    return ev.DispositionReturned(case_id=CASE, division=division, reason="salah bidang",
                                  returned_by=by)


def reassign(officer: str = "petugas-rehsos-2", officer_division: str | None = "rehsos",
             by: m.Actor = KABID) -> m.Command:
    return _cmd(m.Reassign, by, officer_id=officer, reason="sakit",
                officer_division=officer_division)


def reschedule(by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.Reschedule, by, scheduled_for=T0 + timedelta(days=4), channel="phone",
                message="jadwal Kamis")


def decline(by: m.Actor = OFFICER) -> m.Command:
    return _cmd(m.Decline, by, reason="bukan kewenangan Dinas", channel="letter",
                message="mohon maaf")


def return_report(by: m.Actor = KABID) -> m.Command:
    return _cmd(m.ReturnReport, by, note="lengkapi rekomendasi")


def return_disposition(by: m.Actor = KABID) -> m.Command:
    return _cmd(m.ReturnDisposition, by, reason="salah bidang")
