"""The case file (`GET /cases/{case_id}/file`): everything a case holds, for the people who
work on it, derived from the document's entry set (its `file` parts) and its view. Pure.
Who may read it: `may_read`."""

from __future__ import annotations

from typing import Any

from chassis.auth import Principal

from .model import timeline
from .projection import Doc

#: read every case file
OFFICE_WIDE = frozenset({"front_office", "secretariat", "head_of_office"})


def may_read(principal: Principal, view: dict[str, Any]) -> bool:
    """front_office, secretariat, head_of_office; the head of the case's division or of a
    division it is copied to; the officer assigned or directed to it. Nobody else."""
    if principal.has_any(OFFICE_WIDE):
        return True
    if ("division_head" in principal.roles and principal.division
            and (principal.division == view.get("division")
                 or principal.division in view.get("copies", []))):
        return True
    return "officer" in principal.roles and principal.sub == view.get("officer_id")


def _by(f: dict[str, Any], name: str) -> str | None:
    return f.get(name) or f.get("actor")


def build(doc: Doc) -> dict[str, Any]:
    v = doc.view or {}
    out: dict[str, Any] = {
        "case_id": v["subject"], "status": v.get("status"),
        "agenda_number": v.get("agenda_number"), "channel": v.get("channel"),
        "urgent": bool(v.get("urgent")), "division": v.get("division"),
        "copies": v.get("copies", []), "officer_id": v.get("officer_id"),
        "applicant": None, "request": None, "letter": None, "dispositions": [],
        "disposition_returns": [], "receipts": [], "assignment": None, "direction": None,
        "preparation": None, "staff_review": None, "notifications": [], "declination": None,
        "audience": None, "report": None, "report_returns": [], "forwarding": None,
        "closure": None, "cancellation": None, "withdrawal": None, "documents": [],
        "clocks": v.get("clocks", []), "escalations": v.get("escalations", []),
        "timeline": timeline(doc.entries),
    }
    removed: set[str] = set()
    for e in doc.entries:
        f, t, at = e.get("file") or {}, e["type"], e["time"]
        if t == "AudienceRequested":
            out.update(applicant=f["applicant"], request=f["request"], letter=f["letter"])
        elif t == "CaseDisposed":
            out["dispositions"].append({
                "division": f["division"], "instructions": f["instructions"],
                "priority": f.get("priority"), "copies": f.get("copies", []),
                "by": _by(f, "disposed_by"), "at": at})
        elif t == "DispositionReturned":
            out["disposition_returns"].append({"division": f["division"],
                                               "reason": f["reason"],
                                               "by": _by(f, "returned_by"), "at": at})
        elif t == "DispositionReceived":
            out["receipts"].append({"division": f["division"], "by": _by(f, "received_by"),
                                    "at": at})
        elif t == "OfficerAssigned":
            out["assignment"] = {"officer": f["officer_id"], "by": _by(f, "assigned_by"),
                                 "at": at, "self_assigned": f.get("self_assigned", False),
                                 "current_officer": v.get("officer_id"), "reassignments": []}
        elif t == "OfficerReassigned":
            if out["assignment"] is None:  # (an assignment always comes first in time)
                out["assignment"] = {"officer": None, "by": None, "at": None,
                                     "self_assigned": False,
                                     "current_officer": v.get("officer_id"),
                                     "reassignments": []}
            out["assignment"]["reassignments"].append({
                "officer": f["officer_id"], "previous_officer": f["previous_officer_id"],
                "reason": f["reason"], "by": _by(f, "reassigned_by"), "at": at,
                "self_assigned": f.get("self_assigned", False)})
        elif t == "WalkInDirected":
            out["direction"] = {"officer": f["officer_id"], "division": f.get("division"),
                                "by": _by(f, "directed_by"), "at": at}
        elif t == "PreparationRecorded":
            out["preparation"] = {k: f[k] for k in ("administration", "materials", "equipment",
                                                    "staff_review_required")} | {"at": at}
        elif t == "StaffReviewSubmitted":
            out["staff_review"] = {"summary": f["summary"],
                                   "involves_agencies": f["involves_agencies"],
                                   "needs_leadership_meeting": f["needs_leadership_meeting"],
                                   "at": at}
        elif t in ("ApplicantInformed", "AudienceRescheduled", "AudienceDeclined"):
            kind = {"ApplicantInformed": "informed", "AudienceRescheduled": "rescheduled",
                    "AudienceDeclined": "declined"}[t]
            by = _by(f, {"informed": "informed_by", "rescheduled": "rescheduled_by",
                         "declined": "declined_by"}[kind])
            out["notifications"].append({"kind": kind, "channel": f["channel"],
                                         "message": f["message"],
                                         "scheduled_for": f.get("scheduled_for"),
                                         "by": by, "at": at})
            if kind == "declined":
                out["declination"] = {"reason": f["reason"], "by": by, "at": at}
        elif t == "AudienceHeld":
            out["audience"] = {k: f[k] for k in ("held_at", "attendees", "accompanied_by",
                                                 "documents_complete", "missing_documents")}
            out["audience"]["checked_documents"] = list(f.get("checked_documents", []))
        elif t == "ResultReportSubmitted":
            out["report"] = {k: f.get(k, "") for k in ("summary", "advice", "input",
                                                       "considerations", "solutions")}
            out["report"].update(recommendations=f.get("recommendations", []),
                                 by=_by(f, "submitted_by"), at=at)
        elif t == "ResultReportReturned":
            out["report_returns"].append({"note": f["note"], "from_status": f["from_status"],
                                          "by": _by(f, "returned_by"), "at": at})
        elif t == "ResultReportForwarded":
            out["forwarding"] = {"by": _by(f, "forwarded_by"), "at": at}
        elif t == "CaseClosed":
            out["closure"] = {"outcome": f["outcome"], "by": _by(f, "closed_by"), "at": at}
        elif t == "CaseCancelled":
            out["cancellation"] = {"reason": f["reason"], "by": _by(f, "cancelled_by"),
                                   "at": at}
        elif t == "RequestWithdrawn":
            out["withdrawal"] = {"reason": f["reason"], "at": at}
        elif t == "DocumentAttached":  # the bytes are the documents service's
            out["documents"].append({
                **{k: f.get(k) for k in ("document_id", "kind", "filename", "content_type",
                                         "size", "sha256", "title", "by")},
                "at": at, "href": f"/documents/{f['document_id']}"})
        elif t == "DocumentRemoved":
            removed.add(f["document_id"])
    attached = {d["document_id"]: d for d in out["documents"]}
    if out["audience"] is not None:  # the file check names documents: what they were
        out["audience"]["checked_documents"] = [
            {"document_id": i, "kind": attached.get(i, {}).get("kind"),
             "filename": attached.get(i, {}).get("filename"), "removed": i in removed}
            for i in out["audience"]["checked_documents"]]
    out["documents"] = [d for d in out["documents"] if d["document_id"] not in removed]
    return out
