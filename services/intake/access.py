"""Who a case went to, as intake learns it from the disposition service's events: the facts
its reads are scoped by (`chassis.scope`), and whether it ended there (declined, closed,
cancelled: a withdrawal is refused after that). Pure: `relevant(type)`, `evolve(access, env)`.

Intake writes neither dispositions nor assignments; it follows `audiensi.disposition.v1`
(co-partitioned by case id) in the case owner's stream, as SLA and reporting follow the
other services' topics, and keeps one `Access` per case beside the case's state. An event
is applied only if its per-case `sequence` is newer than the last one applied, so a
redelivery or a replay changes nothing, and the access may be learnt before the case itself
(the stream does not order one topic against another).
"""

from __future__ import annotations

from chassis.scope import CaseAccess
from contracts.envelope import EVENT_TYPES, Envelope

#: the disposition events that say where a case went (the later ones of the office's
#: workflow count once the contracts define them)
WANTED = ("CaseDisposed", "DispositionReceived", "DispositionReturned", "OfficerAssigned",
          "OfficerReassigned", "WalkInDirected", "AudienceDeclined", "CaseClosed",
          "CaseCancelled")
#: how a case ended at the disposition service (a withdrawal is refused after it)
ENDED_BY = {"AudienceDeclined": "declined", "CaseClosed": "closed", "CaseCancelled": "cancelled"}
TYPES = frozenset(t for t in WANTED if t in EVENT_TYPES)


def key(case_id: str) -> str:
    """The table key of a case's access (the same table and partition as the case)."""
    return f"access/{case_id}"


class Access(CaseAccess):
    sequence: int = 0  # the last disposition event applied
    #: declined, closed or cancelled at the disposition service (the latest of them)
    ended: str | None = None


def relevant(event_type: object) -> bool:
    return event_type in TYPES


def evolve(access: Access | None, env: Envelope) -> Access:
    """`access` with one disposition event applied (unchanged if seen already)."""
    a = access or Access()
    if env.sequence <= a.sequence:
        return a
    d = env.data
    change: dict = {}
    match env.type:
        case "CaseDisposed":  # a re-disposition replaces the division and the copies
            change = {"division": d.division, "copies": tuple(getattr(d, "copies", ()) or ())}
        case "DispositionReceived":
            change = {"division": d.division}
        case "DispositionReturned":  # back to the Head of Office: no division holds it
            change = {"division": None, "copies": ()}
        case "OfficerAssigned" | "OfficerReassigned":
            change = {"officer_id": d.officer_id}
        case "WalkInDirected":
            change = {"officer_id": d.officer_id, "division": d.division or a.division}
        case "AudienceDeclined" | "CaseClosed" | "CaseCancelled":
            change = {"ended": ENDED_BY[env.type]}
    return a.model_copy(update={**change, "sequence": env.sequence})
