"""Work queues: which queue a subject's view is in, for whom, and the item shown. Pure.

A view's memberships are part of its contribution (`aggregates.contribution`): one sorted
set per queue and scope, `q:<queue>:<scope>` in the subject's partition, score = the due
time of the clock that governs the step (no clock: after every clocked item, by request
time). So a queue is exactly the set of subjects whose current view puts them there, in
any order of delivery, and a rebuild gives the same queues.

Scopes: `all`, `d:<division>`, `o:<officer>`, `r:<role>` (escalations addressed to a role),
`r:division_head:<division>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import View
from .timefmt import epoch

if TYPE_CHECKING:  # an annotation only: the projection (and its workers) import no FastAPI
    from chassis.auth import Principal

#: no governing clock: sorted after every clocked item (then by request time)
UNCLOCKED = 1e11


@dataclass(frozen=True)
class Queue:
    name: str
    scope: str  # "all" | "division" | "officer"
    statuses: frozenset[str]
    kind: str = "case"
    #: policies whose running clock governs the step (first found wins)
    policies: tuple[str, ...] = ()
    urgent: bool | None = None  # None: either


def _q(name, scope, statuses, kind="case", policies=(), urgent=None) -> Queue:
    return Queue(name, scope, frozenset(statuses), kind, tuple(policies), urgent)


QUEUES = (
    _q("to_dispose", "all", {"registered"}, policies=("dispose-request",)),
    _q("to_close", "all", {"forwarded", "declined"}, policies=("close-case",)),
    _q("to_receive", "division", {"disposed"}, policies=("receive-disposition",)),
    _q("to_assign", "division", {"received"}, policies=("inform-applicant",)),
    _q("to_forward", "division", {"reported"}, policies=("forward-report",)),
    _q("in_progress", "division", {"assigned", "prepared", "informed", "held", "directed"}),
    _q("to_inform", "officer", {"assigned", "prepared"}, policies=("inform-applicant",)),
    _q("to_hold", "officer", {"informed"}),
    _q("to_report", "officer", {"held"}, policies=("submit-report",)),
    _q("walk_ins", "officer", {"directed"}, urgent=True),
    _q("walk_ins_waiting", "all", {"requested"}, policies=("direct-walk-in",), urgent=True),
    _q("complaints_to_verify", "all", {"filed"}, kind="complaint",
       policies=("complaint-verify",)),
    _q("complaints_to_respond", "all", {"verified"}, kind="complaint",
       policies=("complaint-respond",)),
    _q("complaints_routed", "division", {"verified"}, kind="complaint",
       policies=("complaint-respond",)),
)
BY_NAME = {q.name: q for q in QUEUES}

#: queue -> status -> the steps its holder may take now (disposition/intake commands)
NEXT_STEPS: dict[str, dict[str, list[str]]] = {
    "to_dispose": {"registered": ["dispose", "cancel"]},
    "to_close": {"forwarded": ["close", "return_report"], "declined": ["close"]},
    "to_receive": {"disposed": ["receive", "return_disposition"]},
    "to_assign": {"received": ["assign"]},
    "to_forward": {"reported": ["forward", "return_report"]},
    "in_progress": {s: ["reassign"] for s in ("assigned", "prepared", "informed", "held")},
    "to_inform": {"assigned": ["prepare", "staff_review", "inform", "decline"],
                  "prepared": ["staff_review", "inform", "decline"]},
    "to_hold": {"informed": ["hold", "reschedule", "decline"]},
    "to_report": {"held": ["report"]},
    "walk_ins": {"directed": ["hold"]},
    "walk_ins_waiting": {"requested": ["direct"]},
    "complaints_to_verify": {"filed": ["verify", "reject", "close"]},
    "complaints_to_respond": {"verified": ["route", "respond", "reject", "close"]},
    "complaints_routed": {"verified": ["respond"]},
    "escalated": {"*": ["acknowledge"]},
}

#: role -> the queues (name, scope template) it works from
ROLE_QUEUES: dict[str, tuple[tuple[str, str], ...]] = {
    "head_of_office": (("to_dispose", "all"), ("to_close", "all"),
                       ("escalated", "r:head_of_office")),
    "division_head": (("to_receive", "d:{division}"), ("to_assign", "d:{division}"),
                      ("to_forward", "d:{division}"), ("in_progress", "d:{division}"),
                      ("complaints_routed", "d:{division}"),
                      ("escalated", "r:division_head:{division}")),
    "officer": (("to_inform", "o:{sub}"), ("to_hold", "o:{sub}"), ("to_report", "o:{sub}"),
                ("walk_ins", "o:{sub}")),
    "front_office": (("walk_ins_waiting", "all"),),
    "secretariat": (("walk_ins_waiting", "all"), ("complaints_to_verify", "all"),
                    ("complaints_to_respond", "all"), ("escalated", "r:secretariat")),
    "ops": (("escalated", "all"),),
}


def key(queue: str, scope: str) -> str:
    return f"q:{queue}:{scope}"


def running_clocks(view: View) -> list[dict[str, Any]]:
    return [c for c in view.get("clocks", []) if c.get("stopped_at") is None
            and c.get("due_at")]


def governing_clock(view: View, policies: tuple[str, ...]) -> dict[str, Any] | None:
    """The running clock of the step: one of `policies` if running, else the running clock
    due first (None: no clock runs)."""
    running = running_clocks(view)
    for policy in policies:
        found = [c for c in running if c.get("policy_id") == policy]
        if found:
            return min(found, key=lambda c: (c["due_at"], c["clock_id"]))
    return min(running, key=lambda c: (c["due_at"], c["clock_id"])) if running else None


def sla_state(clock: dict[str, Any] | None) -> str | None:
    if clock is None:
        return None
    if clock.get("paused"):
        return "paused"
    if clock.get("breached_at"):
        return "breached"
    if clock.get("at_risk_pct"):
        return "at_risk"
    return "on_track"


def _score(view: View, clock: dict[str, Any] | None) -> float:
    if clock is not None:
        return epoch(clock["due_at"])
    since = view.get("requested_at") or view.get("filed_at") or view.get("first_at")
    return UNCLOCKED + (epoch(since) if since else 0.0)


def open_escalations(view: View) -> list[dict[str, Any]]:
    return [x for x in view.get("escalations", []) if x["state"] == "open"]


def memberships(view: View | None) -> dict[str, dict[str, float]]:
    """Queue key -> {subject: score} for one view (its queue contribution)."""
    out: dict[str, dict[str, float]] = {}
    if not view or view.get("kind") not in ("case", "complaint"):
        return out
    subject, status = view["subject"], view.get("status")
    for q in QUEUES:
        if q.kind != view["kind"] or status not in q.statuses:
            continue
        if q.urgent is not None and bool(view.get("urgent")) != q.urgent:
            continue
        scope = "all"
        if q.scope == "division":
            if not view.get("division"):
                continue
            scope = f"d:{view['division']}"
        elif q.scope == "officer":
            if not view.get("officer_id"):
                continue
            scope = f"o:{view['officer_id']}"
        out.setdefault(key(q.name, scope), {})[subject] = _score(
            view, governing_clock(view, q.policies))
    for x in open_escalations(view):
        score = epoch(x["due_at"]) if x.get("due_at") else _score(view, None)
        scopes = ["all", f"r:{x.get('to_role')}"]
        if x.get("to_role") == "division_head":
            division = x.get("to_division") or x.get("division")
            scopes = ["all", *([f"r:division_head:{division}"] if division else [])]
        for scope in scopes:
            slot = out.setdefault(key("escalated", scope), {})
            slot[subject] = min(score, slot.get(subject, score))
    return out


def keys_for(principal: Principal) -> list[tuple[str, str]]:
    """(queue name, queue key) the caller works from, in a stable order, without repeats."""
    out: list[tuple[str, str]] = []
    for role in principal.roles:
        for name, template in ROLE_QUEUES.get(role, ()):
            if "{division}" in template and not principal.division:
                continue
            k = key(name, template.format(division=principal.division, sub=principal.sub))
            if (name, k) not in out:
                out.append((name, k))
    return out


def item(queue: str, view: View) -> dict[str, Any]:
    """One item of a queue: what the list shows of a case or complaint."""
    status = view.get("status")
    if queue == "escalated":
        escs = open_escalations(view)
        clock_ids = {x.get("clock_id") for x in escs}
        clocks = [c for c in view.get("clocks", []) if c["clock_id"] in clock_ids]
        clock = min(clocks, key=lambda c: c.get("due_at") or "") if clocks else None
        steps = NEXT_STEPS["escalated"]["*"]
    else:
        clock = governing_clock(view, BY_NAME[queue].policies)
        steps = NEXT_STEPS.get(queue, {}).get(status, [])
        escs = []
    summary = view.get("file") or {}
    out: dict[str, Any] = {
        "kind": view["kind"],
        "agenda_number": view.get("agenda_number"),
        "subject": summary.get("subject"),
        "status": status,
        "next_steps": list(steps),
        "due_at": clock.get("due_at") if clock else None,
        "sla_state": sla_state(clock),
        "division": view.get("division"),
        "officer_id": view.get("officer_id"),
        "urgent": bool(view.get("urgent")),
        "since": view.get("requested_at") or view.get("filed_at"),
    }
    if view["kind"] == "complaint":
        out["complaint_id"] = view["subject"]
        out["tracking_id"] = view.get("tracking_id")
    else:
        out["case_id"] = view["subject"]
    if queue == "escalated":
        out["escalations"] = [{k: x.get(k) for k in ("escalation_id", "policy_id", "level",
                                                     "reason", "to_role", "raised_at")}
                              for x in escs]
    return out
