"""One function per event type: what the read model keeps of an event (its *facts*).

Pure. A fact is a small dict of plain JSON values. Personal data stays out: of the
applicant only the name and the masked identity are kept, never `ref` or `sealed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts import Envelope
from contracts import complaints as c
from contracts import disposition as d
from contracts import documents as doc
from contracts import intake as i
from contracts import sla as s

from .filefacts import file_facts  # the case file's texts (its own module)
from .timefmt import iso

Facts = dict[str, Any]


def _drop_none(facts: Facts) -> Facts:
    return {k: v for k, v in facts.items() if v is not None}


def visitor_checked_in(e: i.VisitorCheckedIn) -> Facts:
    return {"checked_in_at": iso(e.checked_in_at)}


def audience_requested(e: i.AudienceRequested) -> Facts:
    identity = e.applicant.identity
    return _drop_none({
        "channel": e.channel,
        "urgent": e.urgent,
        "applicant_name": e.applicant.name,
        "identity_kind": identity.kind if identity else None,
        "identity_masked": identity.masked if identity else None,
        "requested_at": iso(e.requested_at),
        "status_digest": e.status_digest,
    })


def request_registered(e: i.RequestRegistered) -> Facts:
    return {"agenda_number": e.agenda_number, "registered_at": iso(e.registered_at)}


def personal_data_erased(e: i.PersonalDataErased) -> Facts:
    return {"at": iso(e.erased_at), "scope": e.scope}


def request_withdrawn(e: i.RequestWithdrawn) -> Facts:
    return {"at": iso(e.withdrawn_at)}


def complaint_filed(e: c.ComplaintFiled) -> Facts:
    return _drop_none({
        "tracking_id": e.tracking_id,
        "channel": e.channel,
        "anonymous": e.anonymous,
        "confidential": e.confidential,
        "about_case_id": e.about_case_id,
        "filed_at": iso(e.filed_at),
        "status_digest": e.status_digest,
    })


def complaint_verified(e: c.ComplaintVerified) -> Facts:
    return {"at": iso(e.verified_at)}


def complaint_responded(e: c.ComplaintResponded) -> Facts:
    return {"at": iso(e.responded_at)}


def complaint_closed(e: c.ComplaintClosed) -> Facts:
    return {"at": iso(e.closed_at)}


def complaint_routed(e: c.ComplaintRouted) -> Facts:
    return {"at": iso(e.routed_at), "division": e.division}


def complaint_rejected(e: c.ComplaintRejected) -> Facts:
    return {"at": iso(e.rejected_at)}


def case_disposed(e: d.CaseDisposed) -> Facts:
    return _drop_none({"division": e.division, "priority": e.priority,
                       "copies": list(e.copies) or None})


def disposition_received(e: d.DispositionReceived) -> Facts:
    return {"division": e.division}


def officer_assigned(e: d.OfficerAssigned) -> Facts:
    return {"officer_id": e.officer_id, "self_assigned": e.self_assigned}


def preparation_recorded(e: d.PreparationRecorded) -> Facts:
    return {"staff_review_required": e.staff_review_required}


def staff_review_submitted(e: d.StaffReviewSubmitted) -> Facts:
    return {"needs_leadership_meeting": e.needs_leadership_meeting}


def applicant_informed(e: d.ApplicantInformed) -> Facts:
    return _drop_none({"channel": e.channel, "scheduled_for": iso(e.scheduled_for)})


def walk_in_directed(e: d.WalkInDirected) -> Facts:
    return _drop_none({"officer_id": e.officer_id, "division": e.division})


def audience_held(e: d.AudienceHeld) -> Facts:
    return {"held_at": iso(e.held_at), "documents_complete": e.documents_complete}


def result_report_submitted(e: d.ResultReportSubmitted) -> Facts:
    return {"recommendations": len(e.recommendations)}


def result_report_forwarded(e: d.ResultReportForwarded) -> Facts:
    return {}


def case_closed(e: d.CaseClosed) -> Facts:
    return {"outcome": e.outcome}


def case_cancelled(e: d.CaseCancelled) -> Facts:
    return {}


# the office's own steps (issue 12): ids and choices, never the free texts (reasons, notes)
def officer_reassigned(e: d.OfficerReassigned) -> Facts:
    return {"officer_id": e.officer_id, "previous_officer_id": e.previous_officer_id,
            "self_assigned": e.self_assigned}


def audience_rescheduled(e: d.AudienceRescheduled) -> Facts:
    return _drop_none({"scheduled_for": iso(e.scheduled_for),
                       "previous_scheduled_for": iso(e.previous_scheduled_for),
                       "channel": e.channel})


def audience_declined(e: d.AudienceDeclined) -> Facts:
    return {"channel": e.channel}


def result_report_returned(e: d.ResultReportReturned) -> Facts:
    return {"from_status": e.from_status}


def disposition_returned(e: d.DispositionReturned) -> Facts:
    return {"returned_by_division": e.division}


def clock_started(e: s.ClockStarted) -> Facts:
    return {"clock_id": e.clock_id, "policy_id": e.policy_id, "started_at": iso(e.started_at),
            "due_at": iso(e.due_at), "calendar_id": e.calendar_id}


def document_attached(e: doc.DocumentAttached) -> Facts:
    return _drop_none({"document_id": e.document_id, "kind": e.kind, "filename": e.filename,
                       "content_type": e.content_type, "size": e.size, "sha256": e.sha256,
                       "title": e.title, "by": e.by, "at": iso(e.at)})


def document_removed(e: doc.DocumentRemoved) -> Facts:
    return _drop_none({"document_id": e.document_id, "by": e.by, "at": iso(e.at),
                       "reason": e.reason})


def clock_paused(e: s.ClockPaused) -> Facts:
    return {"clock_id": e.clock_id, "at": iso(e.at)}


def clock_resumed(e: s.ClockResumed) -> Facts:
    return _drop_none({"clock_id": e.clock_id, "at": iso(e.at), "due_at": iso(e.due_at)})


def clock_at_risk(e: s.ClockAtRisk) -> Facts:
    return {"clock_id": e.clock_id, "policy_id": e.policy_id, "threshold_pct": e.threshold_pct,
            "due_at": iso(e.due_at)}


def clock_breached(e: s.ClockBreached) -> Facts:
    return {"clock_id": e.clock_id, "policy_id": e.policy_id, "due_at": iso(e.due_at),
            "breached_at": iso(e.breached_at)}


def clock_stopped(e: s.ClockStopped) -> Facts:
    return {"clock_id": e.clock_id, "policy_id": e.policy_id, "outcome": e.outcome,
            "stopped_at": iso(e.stopped_at),
            "elapsed_working_seconds": e.elapsed_working_seconds}


def escalation_raised(e: s.EscalationRaised) -> Facts:
    return _drop_none({
        "escalation_id": e.escalation_id, "clock_id": e.clock_id, "policy_id": e.policy_id,
        "level": e.level, "reason": e.reason, "to_role": e.to_role,
        "to_division": e.to_division, "division": e.division or e.to_division,
        "due_at": iso(e.due_at), "raised_at": iso(e.raised_at),
        "scheduled_at": iso(e.scheduled_at),
    })


def escalation_acknowledged(e: s.EscalationAcknowledged) -> Facts:
    return _drop_none({"escalation_id": e.escalation_id, "acknowledged_by": e.acknowledged_by,
                       "at": iso(e.acknowledged_at)})


def escalation_resolved(e: s.EscalationResolved) -> Facts:
    return _drop_none({"escalation_id": e.escalation_id, "resolution": e.resolution,
                       "at": iso(e.resolved_at)})


#: event type -> its fact function (the dispatch table of the projection)
FACT_FUNCTIONS: dict[str, Callable[[Any], Facts]] = {
    "VisitorCheckedIn": visitor_checked_in,
    "AudienceRequested": audience_requested,
    "RequestRegistered": request_registered,
    "RequestWithdrawn": request_withdrawn,
    "PersonalDataErased": personal_data_erased,
    "ComplaintFiled": complaint_filed,
    "ComplaintVerified": complaint_verified,
    "ComplaintResponded": complaint_responded,
    "ComplaintClosed": complaint_closed,
    "ComplaintRouted": complaint_routed,
    "ComplaintRejected": complaint_rejected,
    "CaseDisposed": case_disposed,
    "DispositionReceived": disposition_received,
    "OfficerAssigned": officer_assigned,
    "PreparationRecorded": preparation_recorded,
    "StaffReviewSubmitted": staff_review_submitted,
    "ApplicantInformed": applicant_informed,
    "WalkInDirected": walk_in_directed,
    "AudienceHeld": audience_held,
    "ResultReportSubmitted": result_report_submitted,
    "ResultReportForwarded": result_report_forwarded,
    "CaseClosed": case_closed,
    "CaseCancelled": case_cancelled,
    "OfficerReassigned": officer_reassigned,
    "AudienceRescheduled": audience_rescheduled,
    "AudienceDeclined": audience_declined,
    "ResultReportReturned": result_report_returned,
    "DispositionReturned": disposition_returned,
    "ClockStarted": clock_started,
    "ClockPaused": clock_paused,
    "ClockResumed": clock_resumed,
    "ClockAtRisk": clock_at_risk,
    "ClockBreached": clock_breached,
    "ClockStopped": clock_stopped,
    "EscalationRaised": escalation_raised,
    "EscalationAcknowledged": escalation_acknowledged,
    "EscalationResolved": escalation_resolved,
    "DocumentAttached": document_attached,
    "DocumentRemoved": document_removed,
}


class NotProjectable(ValueError):
    """A well-formed event the read model has no use for (e.g. a DeadLettered)."""


def entry_of(env: Envelope, topic: str) -> dict[str, Any]:
    """The timeline entry of an event: envelope attributes plus the event's facts."""
    fn = FACT_FUNCTIONS.get(env.type)
    if fn is None:
        raise NotProjectable(f"{env.type} is not projected by reporting")
    entry = {
        "id": env.id,
        "type": env.type,
        "time": iso(env.time),
        "source": env.source,
        "seq": env.sequence,
        "topic": topic,
        "facts": fn(env.data),
    }
    texts = file_facts(env)
    if texts:
        entry["file"] = texts
    return entry
