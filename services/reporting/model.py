"""The subject document: the set of applied events of one case (or complaint, or visit) and
the view derived from it. Pure.

Order independence by construction: the document keeps the *set* of timeline entries in a
canonical order (time, source, sequence, id) and the view is a function of that set only, so
the same events delivered in any interleaving, any number of times, give the same document.
"""

from __future__ import annotations

from bisect import insort
from datetime import datetime
from typing import Any

Entry = dict[str, Any]
View = dict[str, Any]

CASE_TYPES = frozenset({
    "AudienceRequested", "RequestRegistered", "RequestWithdrawn", "CaseDisposed",
    "DispositionReceived", "OfficerAssigned", "PreparationRecorded", "StaffReviewSubmitted",
    "ApplicantInformed", "WalkInDirected", "AudienceHeld", "ResultReportSubmitted",
    "ResultReportForwarded", "CaseClosed", "CaseCancelled", "OfficerReassigned",
    "AudienceRescheduled", "AudienceDeclined", "ResultReportReturned", "DispositionReturned",
    "DocumentAttached", "DocumentRemoved",  # files of the case (audiensi.documents.v1)
})
COMPLAINT_TYPES = frozenset({"ComplaintFiled", "ComplaintVerified", "ComplaintResponded",
                             "ComplaintClosed", "ComplaintRouted", "ComplaintRejected"})

#: the case status each event type reaches
STEP_OF = {
    "AudienceRequested": "requested", "RequestRegistered": "registered",
    "CaseDisposed": "disposed", "DispositionReceived": "received",
    "OfficerAssigned": "assigned", "PreparationRecorded": "prepared",
    "StaffReviewSubmitted": "prepared", "ApplicantInformed": "informed",
    "WalkInDirected": "directed", "AudienceHeld": "held", "ResultReportSubmitted": "reported",
    "ResultReportForwarded": "forwarded", "CaseClosed": "closed",
    "RequestWithdrawn": "withdrawn", "CaseCancelled": "cancelled",
    "AudienceDeclined": "declined",
}
#: a declined audience sits where `informed` would (the applicant was answered); only the
#: closure goes further
RANK = {"requested": 1, "registered": 2, "directed": 3, "disposed": 3, "received": 4,
        "assigned": 5, "prepared": 6, "informed": 7, "declined": 7, "held": 8, "reported": 9,
        "forwarded": 10, "closed": 11}
#: a withdrawal after one of these (in time order) changes nothing (disposition ignores it)
ANSWERED = frozenset({"closed", "declined"})
#: events that send a case back: the statuses ranked above the one it returns to are no
#: longer reached (their first times stay in `steps`, for the lead times)
RETURNS_TO = {"DispositionReturned": "registered", "ResultReportReturned": "held"}
#: once one of these happened, it is the status whatever else arrives
OVERRIDING = ("cancelled", "withdrawn")
CASE_STATUSES = ("requested", "registered", "disposed", "received", "assigned", "prepared",
                 "informed", "directed", "held", "reported", "forwarded", "closed",
                 "withdrawn", "cancelled", "declined")
CLOSED_STATUSES = frozenset({"closed", "withdrawn", "cancelled"})

COMPLAINT_STEP = {"ComplaintFiled": "filed", "ComplaintVerified": "verified",
                  "ComplaintResponded": "responded", "ComplaintClosed": "closed",
                  "ComplaintRejected": "rejected"}
#: a rejection ends a complaint (nothing follows it)
COMPLAINT_RANK = {"filed": 1, "verified": 2, "responded": 3, "closed": 4, "rejected": 5}

#: lead-time step -> the case status whose first time ends it (all measured from the request)
LEAD_STEPS = {"disposition": "disposed", "receipt": "received", "inform": "informed",
              "direction": "directed", "audience": "held", "report": "reported",
              "closure": "closed"}

ESCALATION_RANK = {"open": 0, "acknowledged": 1, "resolved": 2}


def entry_order(e: Entry) -> tuple:
    return (e["time"], e["source"], e["seq"], e["id"])


def _same_slot(a: Entry, b: Entry) -> bool:
    return (a["source"], a["topic"], a["seq"]) == (b["source"], b["topic"], b["seq"])


def insert(entries: list[Entry], new: Entry) -> tuple[list[Entry], bool]:
    """`entries` with `new` added; False (and `entries` unchanged) when it was already there.

    Duplicates are recognised by event id and by (source, topic, sequence). Two different
    events claiming the same (source, topic, sequence) are a writer's bug: the smaller id is
    kept, so the outcome still does not depend on which arrived first.
    """
    for i, old in enumerate(entries):
        if old["id"] == new["id"]:
            return entries, False
        if _same_slot(old, new):
            if new["id"] >= old["id"]:
                return entries, False
            rest = entries[:i] + entries[i + 1:]
            insort(rest, new, key=entry_order)
            return rest, True
    out = list(entries)  # a new list: `entries` stays as it was (the caller's document)
    insort(out, new, key=entry_order)  # entries are kept sorted: one insertion, not a sort
    return out, True


def _step_time(e: Entry) -> str:
    f = e["facts"]
    return (f.get("requested_at") or f.get("registered_at") or f.get("held_at") or f.get("at")
            or e["time"])


def _seconds_between(start: str, end: str) -> float:
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return max(0.0, round(delta.total_seconds(), 3))


def _kind(types: set[str]) -> str:
    if types & CASE_TYPES:
        return "case"
    if types & COMPLAINT_TYPES:
        return "complaint"
    if "VisitorCheckedIn" in types:
        return "visit"
    return "unknown"


def _clocks(entries: list[Entry]) -> list[dict[str, Any]]:
    clocks: dict[str, dict[str, Any]] = {}
    for e in entries:
        f = e["facts"]
        if not e["type"].startswith("Clock"):
            continue
        c = clocks.setdefault(f["clock_id"], {"clock_id": f["clock_id"], "policy_id": None,
                                              "started_at": None, "due_at": None,
                                              "stopped_at": None, "paused": False})
        if f.get("policy_id"):
            c["policy_id"] = f["policy_id"]
        match e["type"]:
            case "ClockStarted":
                c.update(started_at=f["started_at"], due_at=f["due_at"],
                         calendar_id=f["calendar_id"])
            case "ClockPaused":
                c["paused"] = True
            case "ClockResumed":
                c["paused"] = False
                if f.get("due_at"):
                    c["due_at"] = f["due_at"]
            case "ClockAtRisk":
                c["at_risk_pct"] = max(c.get("at_risk_pct", 0), f["threshold_pct"])
            case "ClockBreached":
                c["breached_at"] = c.get("breached_at") or f["breached_at"]
            case "ClockStopped":
                c.update(outcome=f["outcome"], stopped_at=f["stopped_at"],
                         elapsed_working_seconds=f["elapsed_working_seconds"])
    for c in clocks.values():
        c["state"] = c.get("outcome") or ("breached" if c.get("breached_at") else "running")
    return sorted(clocks.values(), key=lambda c: (c["started_at"] or "", c["clock_id"]))


def _escalations(entries: list[Entry]) -> list[dict[str, Any]]:
    escs: dict[str, dict[str, Any]] = {}
    for e in entries:
        if not e["type"].startswith("Escalation"):
            continue
        f = e["facts"]
        x = escs.setdefault(f["escalation_id"], {"escalation_id": f["escalation_id"],
                                                 "state": "open"})
        match e["type"]:
            case "EscalationRaised":
                x.update({k: v for k, v in f.items() if k != "escalation_id"})
                state = "open"
            case "EscalationAcknowledged":
                x.update(acknowledged_by=f["acknowledged_by"],
                         acknowledged_at=f.get("at") or e["time"])
                state = "acknowledged"
            case _:
                x.update(resolution=f["resolution"], resolved_at=f.get("at") or e["time"])
                state = "resolved"
        if ESCALATION_RANK[state] > ESCALATION_RANK[x["state"]]:
            x["state"] = state
    return sorted(escs.values(), key=lambda x: (x.get("raised_at") or "", x["escalation_id"]))


def _case_fields(entries: list[Entry]) -> dict[str, Any]:
    out: dict[str, Any] = {"status": None, "channel": None, "urgent": False, "division": None,
                           "officer_id": None, "agenda_number": None, "priority": None,
                           "applicant": None, "requested_at": None, "registered_at": None,
                           "copies": []}
    steps: dict[str, str] = {}
    reached: set[str] = set()
    overriding: str | None = None
    for e in entries:
        f, t = e["facts"], e["type"]
        if t in RETURNS_TO:
            back = RANK[RETURNS_TO[t]]
            reached = {r for r in reached if RANK.get(r, 0) <= back}
            if t == "DispositionReturned":  # no division until the next disposition
                out.update(division=None, priority=None, copies=[])
            continue
        if t == "OfficerReassigned":
            out["officer_id"] = f["officer_id"]
            continue
        step = STEP_OF.get(t)
        if step is None:
            continue
        if step == "withdrawn" and (overriding or reached & ANSWERED):
            continue  # as disposition does: a closed, cancelled or declined case stays so
        steps.setdefault(step, _step_time(e))
        reached.add(step)
        if step in OVERRIDING and overriding is None:
            overriding = step
        if t == "AudienceRequested":
            out.update(channel=f["channel"], urgent=f.get("urgent", False),
                       requested_at=f["requested_at"], status_digest=f.get("status_digest"))
            identity = ({"kind": f["identity_kind"], "masked": f["identity_masked"]}
                        if f.get("identity_masked") else None)
            out["applicant"] = {"name": f["applicant_name"], "identity": identity,
                                "terms": f.get("name_terms") or []}
        elif t == "RequestRegistered":
            out.update(agenda_number=f["agenda_number"], registered_at=f["registered_at"])
        elif t in ("CaseDisposed", "DispositionReceived"):
            out["division"] = f["division"]
            if f.get("priority"):
                out["priority"] = f["priority"]
            if t == "CaseDisposed":  # tembusan: a new disposition replaces them
                out["copies"] = f.get("copies", [])
        elif t in ("OfficerAssigned", "WalkInDirected"):
            out["officer_id"] = f["officer_id"]
            if f.get("division"):  # a walk-in's division is its officer's
                out["division"] = f["division"]
    ranked = [s for s in reached if s in RANK]
    out["status"] = overriding or (max(ranked, key=lambda s: (RANK[s], s)) if ranked
                                   else None)
    out["steps"] = steps
    start = out["requested_at"]
    out["lead_times"] = ({name: _seconds_between(start, steps[status])
                          for name, status in LEAD_STEPS.items() if status in steps}
                         if start else {})
    return out


def _complaint_fields(entries: list[Entry]) -> dict[str, Any]:
    out: dict[str, Any] = {"status": None, "tracking_id": None, "channel": None,
                           "filed_at": None, "anonymous": None, "confidential": None,
                           "about_case_id": None, "division": None}
    steps: dict[str, str] = {}
    routed: list[tuple[str, str]] = []
    for e in entries:
        if e["type"] == "ComplaintRouted":  # the latest routing holds it
            routed.append((e["facts"]["at"], e["facts"]["division"]))
            continue
        step = COMPLAINT_STEP.get(e["type"])
        if step is None:
            continue
        steps.setdefault(step, e["facts"].get("at") or e["facts"].get("filed_at") or e["time"])
        if e["type"] == "ComplaintFiled":
            f = e["facts"]
            out.update(tracking_id=f["tracking_id"], channel=f["channel"],
                       filed_at=f["filed_at"], anonymous=f.get("anonymous", False),
                       confidential=f.get("confidential", False),
                       about_case_id=f.get("about_case_id"),
                       status_digest=f.get("status_digest"))
    out["status"] = (max(steps, key=lambda s: COMPLAINT_RANK[s]) if steps else None)
    out["steps"] = steps
    if routed:
        out["division"] = max(routed)[1]
    return out


def derive(subject: str, entries: list[Entry]) -> View:
    """The view of a subject: a function of its set of entries only."""
    types = {e["type"] for e in entries}
    view: View = {
        "subject": subject,
        "kind": _kind(types),
        "events": len(entries),
        "first_at": entries[0]["time"] if entries else None,
        "last_at": max(e["time"] for e in entries) if entries else None,
        "clocks": _clocks(entries),
        "escalations": _escalations(entries),
    }
    if view["kind"] == "case":
        view.update(_case_fields(entries))
    elif view["kind"] == "complaint":
        view.update(_complaint_fields(entries))
    elif view["kind"] == "visit":
        checked = [e["facts"]["checked_in_at"] for e in entries
                   if e["type"] == "VisitorCheckedIn"]
        view["checked_in_at"] = min(checked)
    erased = [e["facts"]["at"] for e in entries if e["type"] == ERASED]
    if erased:
        view["erased_at"] = min(erased)
        if view.get("applicant"):
            view["applicant"] = {**view["applicant"], "terms": []}
    return view


ERASED = "PersonalDataErased"
#: facts that are personal (derived from sealed values): gone from every entry once erased
PERSONAL_FACTS = ("name_terms",)


def scrub(entries: list[Entry]) -> list[Entry]:
    """The entries of a subject whose personal data was erased, without personal facts (the
    sealed tokens stay: their key is gone). Unchanged when nothing was erased."""
    if not any(e["type"] == ERASED for e in entries):
        return entries
    return [e if not any(k in e["facts"] for k in PERSONAL_FACTS)
            else {**e, "facts": {k: v for k, v in e["facts"].items() if k not in PERSONAL_FACTS}}
            for e in entries]


def timeline(entries: list[Entry]) -> list[dict[str, Any]]:
    return [{"id": e["id"], "type": e["type"], "time": e["time"], "source": e["source"],
             "sequence": e["seq"]} for e in entries]
