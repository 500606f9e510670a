"""What the case file keeps of an event beside its facts: the texts the office wrote and
read (instructions, staff review, messages, the report), and who did it. Pure.

Kept in the entry under `file` (not in `facts`, which the statistics use), so the set of
entries stays the one source of the document: the case file is derived from it like the
view, and is therefore idempotent, order-independent and rebuildable. Identity secrets
(`ref`, `sealed`, `key_id`) are never kept; the phone is (the office calls the applicant).
"""

from __future__ import annotations

from typing import Any

from contracts import Envelope

from .timefmt import iso

#: event type -> (field of the event's data, ...) copied into the file as they are
PLAIN: dict[str, tuple[str, ...]] = {
    "CaseDisposed": ("division", "instructions", "priority", "copies", "disposed_by"),
    "DispositionReceived": ("division", "received_by"),
    "OfficerAssigned": ("officer_id", "assigned_by", "self_assigned"),
    "PreparationRecorded": ("administration", "materials", "equipment",
                            "staff_review_required"),
    "StaffReviewSubmitted": ("summary", "involves_agencies", "needs_leadership_meeting"),
    "ApplicantInformed": ("channel", "message", "scheduled_for", "informed_by"),
    "WalkInDirected": ("officer_id", "directed_by", "division"),
    "AudienceHeld": ("held_at", "attendees", "accompanied_by", "documents_complete",
                     "missing_documents", "checked_documents"),
    "ResultReportSubmitted": ("summary", "advice", "input", "considerations", "solutions",
                              "recommendations", "submitted_by"),
    "ResultReportForwarded": ("forwarded_by",),
    "CaseClosed": ("closed_by", "outcome"),
    "CaseCancelled": ("reason", "cancelled_by"),
    "RequestWithdrawn": ("reason",),
    "OfficerReassigned": ("officer_id", "previous_officer_id", "reason", "reassigned_by",
                          "self_assigned"),
    "AudienceRescheduled": ("scheduled_for", "previous_scheduled_for", "channel", "message",
                            "rescheduled_by"),
    "AudienceDeclined": ("reason", "channel", "message", "declined_by"),
    "ResultReportReturned": ("note", "from_status", "returned_by"),
    "DispositionReturned": ("division", "reason", "returned_by"),
    "DocumentAttached": ("document_id", "kind", "filename", "content_type", "size", "sha256",
                         "title", "by"),
    "DocumentRemoved": ("document_id", "by", "reason"),
    "ComplaintFiled": ("subject", "tracking_id", "channel", "anonymous", "confidential",
                       "about_case_id", "lapor_tracking_id"),
    "ComplaintVerified": ("verified_by",),
    "ComplaintResponded": ("response", "channel", "responded_by"),
    "ComplaintClosed": ("resolution",),
    "ComplaintRouted": ("division", "routed_by"),
    "ComplaintRejected": ("reason", "rejected_by"),
}


#: values copied as they are (most of them): no attribute probing
_SCALAR = frozenset({str, int, bool, float, type(None)})
_MISSING = object()


def _plain(value: Any) -> Any:
    if type(value) in _SCALAR:
        return value
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
        return iso(value)
    if hasattr(value, "isoformat"):  # a date
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _identity(identity: Any) -> dict[str, Any] | None:
    return {"kind": identity.kind, "masked": identity.masked} if identity else None


def file_facts(env: Envelope) -> dict[str, Any]:
    """The file's part of an event ({} when the file keeps nothing of it)."""
    e, t = env.data, env.type
    if t == "AudienceRequested":
        a, form, letter = e.applicant, e.form, e.letter
        return {
            "visit_id": e.visit_id, "purpose": e.purpose,
            "applicant": {"name": a.name, "organization": a.organization,
                          "phone": a.contact, "identity": _identity(a.identity)},
            "request": {"subject": form.subject, "purpose": e.purpose,
                        "topics": list(form.topics), "participants": form.participants,
                        "preferred_date": _plain(form.preferred_date)},
            "letter": ({"number": letter.number, "date": letter.dated.isoformat(),
                        "addressed_to": letter.addressed_to, "sender": letter.sender,
                        "referral_from": letter.referral_from} if letter else None),
        }
    if t == "VisitorCheckedIn":
        return {"name": e.name, "organization": e.organization, "purpose": e.purpose,
                "identity": _identity(e.identity)}
    fields = PLAIN.get(t)
    if not fields:
        return {}
    out = {}
    for f in fields:
        value = getattr(e, f, _MISSING)
        if value is not _MISSING:
            out[f] = _plain(value)
    if env.actorid:
        out.setdefault("actor", env.actorid)
    return out
