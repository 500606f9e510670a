"""The documents service's rules, pure: what it knows of a case (folded from the intake and
disposition topics), who may attach which kind, who may read, who may remove.

No I/O, no clock: a case view is a small dict (JSON in Redis), `evolve` brings it up to one
event, the `may_*` functions answer for a principal."""

from __future__ import annotations

from typing import Any, get_args

from chassis.auth import Principal
from contracts import Envelope
from contracts.documents import DocumentKind
from contracts.topics import DISPOSITION, INTAKE

KINDS: tuple[str, ...] = get_args(DocumentKind)
#: kinds the front of the office files: the request letter and referral files
OFFICE_KINDS = frozenset({"surat_permohonan", "berkas_rujukan"})
OFFICE_ROLES = frozenset({"front_office", "secretariat"})
#: kinds of the people who work on the case: the case's officer and its division's head
CASE_KINDS = frozenset({"telaahan_staf", "laporan_hasil", "lainnya"})
#: read every case's documents (the case file's rule)
OFFICE_WIDE = frozenset({"front_office", "secretariat", "head_of_office"})

View = dict[str, Any]
SOURCES = {INTAKE: "intake", DISPOSITION: "disposition"}


def initial(case_id: str) -> View:
    return {"case_id": case_id, "division": None, "copies": [], "officer_id": None,
            "status": "open", "erased": False, "seq": {}}


def _finish(view: View, status: str) -> View:
    return {**view, "status": status}


def evolve(view: View | None, env: Envelope) -> View | None:
    """The view after one intake or disposition event of its case; None when the event
    changes nothing (an older sequence from the same source, or an event of no interest)."""
    data = env.data
    case_id = env.subject
    view = view or initial(case_id)
    source = SOURCES.get(data.TOPIC)
    if source is None:
        return None
    seen = view["seq"].get(source, 0)
    if env.sequence <= seen:
        return None
    changed = _apply(view, data)
    if changed is None:  # of no interest here (a visit, a preparation): nothing to store
        return None
    return {**changed, "seq": {**view["seq"], source: env.sequence}}


def _apply(view: View, e: Any) -> View | None:
    match e.type:
        case "AudienceRequested":
            return {**view, "requested": True}
        case "RequestWithdrawn":
            return _finish(view, "withdrawn")
        case "PersonalDataErased":
            return {**view, "erased": True} if view["case_id"] in e.case_ids else None
        case "CaseDisposed":
            return {**view, "division": e.division, "copies": list(e.copies)}
        case "DispositionReturned":
            return {**view, "division": None, "copies": []}
        case "OfficerAssigned" | "OfficerReassigned":
            return {**view, "officer_id": e.officer_id}
        case "WalkInDirected":
            division = getattr(e, "division", None) or view["division"]
            return {**view, "officer_id": e.officer_id, "division": division}
        case "CaseClosed":
            return _finish(view, "closed")
        case "CaseCancelled":
            return _finish(view, "cancelled")
    return None


def is_finished(view: View) -> bool:
    return view["status"] in ("closed", "cancelled", "withdrawn")


def _works_on(principal: Principal, view: View) -> bool:
    """The case's officer, or the head of its division."""
    if "officer" in principal.roles and principal.sub == view.get("officer_id"):
        return True
    return bool("division_head" in principal.roles and principal.division
                and principal.division == view.get("division"))


def kinds_allowed(principal: Principal, view: View) -> frozenset[str]:
    """The kinds this principal may attach to this case."""
    allowed: set[str] = set()
    if principal.has_any(OFFICE_ROLES):
        allowed |= OFFICE_KINDS
    if _works_on(principal, view):
        allowed |= CASE_KINDS
    return frozenset(allowed)


def may_read(principal: Principal, view: View) -> bool:
    """The case file's rule: front office, secretariat, Head of Office; the head of the
    case's division or of one it is copied to; the case's officer."""
    if principal.has_any(OFFICE_WIDE):
        return True
    if ("division_head" in principal.roles and principal.division
            and (principal.division == view.get("division")
                 or principal.division in view.get("copies", []))):
        return True
    return "officer" in principal.roles and principal.sub == view.get("officer_id")


def may_remove(principal: Principal, document: dict[str, Any]) -> bool:
    """Only the one who attached it."""
    return principal.sub == document.get("by")
