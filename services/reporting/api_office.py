"""The office's read side: `GET /queues/mine`, `GET /cases/{case_id}/file`, `GET /search`,
`GET /guestbook`, `GET /complaints`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from chassis.auth import ANY_STAFF, Principal, require_roles
from chassis.problems import Forbidden, NotFound

from . import queues
from .casefile import OFFICE_WIDE, build, may_read
from .deps import RuntimeDep
from .model import COMPLAINT_RANK
from .office_queries import OfficeReader
from .reading import BadInput, TimeRange, decode_cursor
from .search import query_prefixes
from .texts import CASE_NOT_FOUND, NOT_ON_FILE

router = APIRouter(tags=["office"])

FILE_ROLES = (*OFFICE_WIDE, "division_head", "officer")
COMPLAINT_FINDERS = frozenset({"front_office", "secretariat", "head_of_office"})
ComplaintState = Literal[tuple(COMPLAINT_RANK)]  # type: ignore[valid-type]
ComplaintChannel = Literal["in_person", "letter", "website", "sp4n_lapor"]


@router.get("/queues/mine")
async def my_queues(
    rt: RuntimeDep, principal: Annotated[Principal, Depends(require_roles(*ANY_STAFF))],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    reader = OfficeReader(rt.reader)
    feeds: dict[str, list[str]] = {}  # queue -> its keys, in the order of the caller's roles
    for name, key in queues.keys_for(principal):
        feeds.setdefault(name, []).append(key)
    grouped: dict[str, dict] = {}
    for name, keys in feeds.items():
        count, docs = await reader.queue(keys, limit)
        grouped[name] = {"queue": name, "count": count,
                         "items": [queues.item(name, d.view) for d in docs if d.view]}
    for g in grouped.values():  # next breach first (unclocked last, oldest first)
        g["items"].sort(key=lambda i: (i["due_at"] is None, i["due_at"] or "",
                                       i["since"] or "",
                                       i.get("case_id") or i.get("complaint_id")))
    return {"queues": list(grouped.values())}


@router.get("/cases/{case_id}/file")
async def case_file(
    case_id: str, rt: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*ANY_STAFF))],
) -> dict:
    return await readable_file(rt, case_id, principal)


async def readable_file(rt, case_id: str, principal: Principal) -> dict:
    """The case file, opened, for a reader allowed it (403 otherwise; unknown: 404): the
    rule of `/cases/{id}/file` and of the printed documents."""
    if not principal.has_any(FILE_ROLES):
        raise Forbidden(NOT_ON_FILE)
    doc = await rt.reader.doc(case_id)
    if doc is None or not doc.view or doc.view["kind"] != "case":
        raise NotFound(CASE_NOT_FOUND)
    if not may_read(principal, doc.view):
        raise Forbidden(NOT_ON_FILE)
    return await rt.personal.open(build(doc))


def _complaint_visible(principal: Principal, view: dict) -> bool:
    if view.get("confidential"):
        return principal.has_any({"secretariat", "head_of_office"})
    if ("division_head" in principal.roles and principal.division
            and view.get("division") == principal.division):  # routed to their division
        return True
    return principal.has_any(COMPLAINT_FINDERS)


@router.get("/search")
async def search(
    rt: RuntimeDep, principal: Annotated[Principal, Depends(require_roles(*FILE_ROLES))],
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict:
    if not q.strip():
        raise BadInput("q", "kosong / empty")
    blinded = await rt.personal.query_terms(query_prefixes(q))
    docs = await OfficeReader(rt.reader).search(q, blinded, max(200, limit * 10))
    items = []
    for doc in docs:
        v = doc.view or {}
        if v.get("kind") == "case" and may_read(principal, v):
            items.append({"kind": "case", "id": v["subject"],
                          "reference": v.get("agenda_number") or v["subject"],
                          "subject": (v.get("file") or {}).get("subject"),
                          "status": v.get("status"),
                          "applicant_name": (v.get("applicant") or {}).get("name")})
        elif v.get("kind") == "complaint" and _complaint_visible(principal, v):
            items.append({"kind": "complaint", "id": v["subject"],
                          "reference": v.get("tracking_id"),
                          "subject": (v.get("file") or {}).get("subject"),
                          "status": v.get("status")})
        if len(items) >= limit:
            break
    return {"items": await rt.personal.open(items)}


@router.get("/guestbook")
async def guestbook(
    rt: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("front_office", "secretariat"))],
    date_: Annotated[str, Query(alias="date", description="YYYY-MM-DD (office day)")],
) -> dict:
    try:
        day = date.fromisoformat(date_).isoformat()
    except ValueError as exc:
        raise BadInput("date", "tanggal YYYY-MM-DD / a date YYYY-MM-DD") from exc
    rows = await OfficeReader(rt.reader).guestbook(day)
    items = []
    for doc, cases in rows:
        v, s = doc.view or {}, (doc.view or {}).get("file") or {}
        items.append({"visit_id": v["subject"], "name": s.get("name"),
                      "organization": s.get("organization"), "purpose": s.get("purpose"),
                      "time": v.get("checked_in_at"), "identity": s.get("identity"),
                      "case_ids": cases, "case_id": cases[0] if cases else None})
    return {"date": day, "items": await rt.personal.open(items), "next_cursor": None}


@dataclass(frozen=True)
class ComplaintFilter:
    state: str | None = None
    channel: str | None = None
    range: TimeRange = TimeRange()

    def index_keys(self) -> list[str]:
        keys = [f"complaints:state:{self.state}" if self.state else None,
                f"complaints:channel:{self.channel}" if self.channel else None]
        return [k for k in keys if k] or ["complaints:all"]


@router.get("/complaints")
async def complaints(
    rt: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("secretariat", "head_of_office"))],
    state: ComplaintState | None = None, channel: ComplaintChannel | None = None,
    cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict:
    cur = decode_cursor(cursor) if cursor else None
    views, nxt = await rt.reader.list_cases(ComplaintFilter(state, channel), cur, limit)
    items = [{"complaint_id": v["subject"], "tracking_id": v.get("tracking_id"),
              "channel": v.get("channel"), "state": v.get("status"),
              "division": v.get("division"),
              "subject": (v.get("file") or {}).get("subject"),
              "confidential": bool(v.get("confidential")), "filed_at": v.get("filed_at"),
              "steps": v.get("steps", {}), "clocks": v.get("clocks", [])} for v in views]
    return {"items": items, "next_cursor": nxt}


