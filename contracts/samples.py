"""One valid example of every event: used by codec tests, docs and the CLI's self-check."""

from __future__ import annotations

from datetime import UTC, date, datetime

from . import complaints as c
from . import disposition as d
from . import documents as doc
from . import intake as i
from . import sla as s
from .deadletter import DeadLettered
from .sealed import sample as sealed

T = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CASE = "c-0001"
IDENTITY = i.Identity(
    kind="KTP", masked=sealed("1971**********01", "case:c-0001"), ref="hmac:abc",
    sealed=sealed("1971015708900001", "case:c-0001"), key_id="case:c-0001",
    valid_until=date(2030, 1, 1),
)


def samples() -> list:
    clock = dict(clock_id="clk-1", case_id=CASE)
    return [
        i.VisitorCheckedIn(visit_id="v-1", name=sealed("Budi"), purpose=sealed("audiensi"),
                           identity=IDENTITY, checked_in_at=T),
        i.AudienceRequested(
            case_id=CASE, channel="letter",
            applicant=i.Applicant(name=sealed("Budi"), identity=IDENTITY),
            purpose=sealed("bantuan sosial"), form=i.RequestForm(subject="PKH", topics=["PKH"],
                                                         participants=2),
            letter=i.Letter(number="001/2026", dated=date(2026, 3, 1), addressed_to="Kadis",
                            sender=sealed("Desa Air Itam")),
            requested_at=T,
        ),
        i.RequestRegistered(case_id=CASE, agenda_number="AUD/2026/000001", registered_at=T),
        i.RequestWithdrawn(case_id=CASE, reason="selesai", withdrawn_at=T),
        i.PersonalDataErased(erasure_id="er-1", scope="case", case_ids=[CASE],
                             erased_by="admin", erased_at=T),
        c.ComplaintFiled(complaint_id="cp-1", tracking_id="ADU-2026-ABCD", channel="sp4n_lapor",
                         subject="layanan", content=sealed("lambat"), lapor_tracking_id="LAPOR-1",
                         filed_at=T),
        c.ComplaintVerified(complaint_id="cp-1", verified_by="sekretariat", verified_at=T),
        c.ComplaintRouted(complaint_id="cp-1", division="rehsos", routed_by="sekretariat",
                          routed_at=T),
        c.ComplaintResponded(complaint_id="cp-1", response="ditindaklanjuti", responded_at=T,
                             channel="surat", responded_by="kabid-rehsos"),
        c.ComplaintRejected(complaint_id="cp-2", reason="spam", rejected_by="sekretariat",
                            rejected_at=T),
        c.ComplaintClosed(complaint_id="cp-1", closed_at=T, resolution="selesai"),
        d.CaseDisposed(case_id=CASE, division="rehsos", instructions="tindak lanjuti",
                       priority="segera", disposed_by="kadis", copies=["linjamsos"]),
        d.DispositionReceived(case_id=CASE, division="rehsos", received_by="kabid-rehsos"),
        d.OfficerAssigned(case_id=CASE, officer_id="petugas-rehsos-1", assigned_by="kabid-rehsos"),
        d.PreparationRecorded(case_id=CASE, administration="ok", materials="ok", equipment="ok"),
        d.StaffReviewSubmitted(case_id=CASE, summary="telaahan", involves_agencies=["Dinsos Kab"]),
        d.ApplicantInformed(case_id=CASE, channel="phone", message="jadwal", scheduled_for=T,
                            informed_by="petugas-rehsos-1"),
        d.WalkInDirected(case_id=CASE, officer_id="petugas-rehsos-1", directed_by="frontdesk"),
        d.AudienceHeld(case_id=CASE, held_at=T, attendees=[sealed("Budi")]),
        d.ResultReportSubmitted(case_id=CASE, summary="hasil", advice="saran", input="masukan",
                                considerations="pertimbangan", solutions="solusi",
                                recommendations=["r1"], submitted_by="petugas-rehsos-1"),
        d.ResultReportForwarded(case_id=CASE, forwarded_by="kabid-rehsos"),
        d.CaseClosed(case_id=CASE, closed_by="kadis", outcome="selesai"),
        d.CaseCancelled(case_id=CASE, reason="duplikat", cancelled_by="kadis"),
        d.OfficerReassigned(case_id=CASE, officer_id="petugas-rehsos-2",
                            previous_officer_id="petugas-rehsos-1", reason="sakit",
                            reassigned_by="kabid-rehsos"),
        d.AudienceRescheduled(case_id=CASE, scheduled_for=T, previous_scheduled_for=T,
                              channel="phone", message="jadwal baru",
                              rescheduled_by="petugas-rehsos-1"),
        d.AudienceDeclined(case_id=CASE, reason="bukan kewenangan", channel="letter",
                           message="mohon maaf", declined_by="kabid-rehsos"),
        d.ResultReportReturned(case_id=CASE, note="lengkapi rekomendasi", from_status="reported",
                               returned_by="kabid-rehsos"),
        d.DispositionReturned(case_id=CASE, division="rehsos", reason="salah bidang",
                              returned_by="kabid-rehsos"),
        s.ClockStarted(**clock, policy_id="inform-applicant", started_at=T, due_at=T,
                       calendar_id="office"),
        s.ClockPaused(**clock, at=T, reason="menunggu berkas"),
        s.ClockResumed(**clock, at=T, reason="berkas lengkap", due_at=T),
        s.ClockAtRisk(**clock, policy_id="inform-applicant", threshold_pct=75, due_at=T),
        s.ClockBreached(**clock, policy_id="inform-applicant", due_at=T, breached_at=T),
        s.ClockStopped(**clock, policy_id="inform-applicant", outcome="met", stopped_at=T,
                       elapsed_working_seconds=3600),
        s.EscalationRaised(escalation_id="e-1", **clock, policy_id="inform-applicant", level=1,
                           reason="at_risk", to_role="division_head", to_division="rehsos",
                           division="rehsos", due_at=T, raised_at=T),
        s.EscalationAcknowledged(escalation_id="e-1", case_id=CASE, acknowledged_by="ops"),
        s.EscalationResolved(escalation_id="e-1", case_id=CASE, resolution="clock_stopped"),
        doc.DocumentAttached(document_id="d-1", case_id=CASE, kind="surat_permohonan",
                             filename="surat.pdf", content_type="application/pdf", size=1234,
                             sha256="0" * 64, title="Surat permohonan", by="frontdesk", at=T),
        doc.DocumentRemoved(document_id="d-1", case_id=CASE, by="frontdesk", at=T,
                            reason="salah unggah"),
        DeadLettered(original_topic="audiensi.intake.v1", partition=0, offset=1, key=CASE,
                     error="bad", payload="eA==", consumer="reporting"),
    ]
