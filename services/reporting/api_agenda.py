"""The agenda book (*buku agenda*): the letters registered in a period, with their agenda
numbers — `GET /agenda` (a page, newest first) and `GET /agenda.csv` (the whole period).

Readers: the secretariat (Tim PKD, who keep it), the front office, the Head of Office; a
division head sees the letters disposed to their own division only (`division_scope`)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chassis.auth import Principal, require_roles

from .api_cases import From, To
from .deps import RuntimeDep, check_division, division_scope
from .queries import CaseFilter
from .reading import AGENDA_COLUMNS, agenda_row, csv_value, decode_cursor, time_range

router = APIRouter(tags=["office"])

AGENDA_READERS = ("secretariat", "front_office", "head_of_office", "division_head")
#: see every division's letters
OFFICE_WIDE = frozenset({"secretariat", "front_office", "head_of_office"})

Reader = Annotated[Principal, Depends(require_roles(*AGENDA_READERS))]


def agenda_scope(principal: Principal, requested: str | None) -> str | None:
    """The division the book is limited to: the office-wide readers' choice, a division
    head's own."""
    return division_scope(principal, requested, OFFICE_WIDE)


def agenda_filter(rt, principal: Principal, division, from_, to) -> CaseFilter:
    check_division(rt, division)
    return CaseFilter(channel="letter", division=agenda_scope(principal, division),
                      range=time_range(from_, to, rt.tz))


@router.get("/agenda")
async def agenda(
    rt: RuntimeDep, principal: Reader, division: str | None = None,
    from_: From = None, to: To = None, cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    f = agenda_filter(rt, principal, division, from_, to)
    views, nxt = await rt.reader.list_cases(f, decode_cursor(cursor) if cursor else None,
                                            limit)
    rows = [r for r in (agenda_row(v) for v in views) if r is not None]
    return {"items": await rt.personal.open(rows), "next_cursor": nxt}


async def agenda_lines(rt, f: CaseFilter) -> AsyncIterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(AGENDA_COLUMNS)
    batch: list[dict] = []

    async def flush() -> bytes:
        for row in await rt.personal.open(batch):
            writer.writerow([csv_value(row[c]) for c in AGENDA_COLUMNS])
        batch.clear()
        out = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        return out

    async for view in rt.reader.iter_cases(f):
        row = agenda_row(view)
        if row is not None:
            batch.append(row)
        if len(batch) >= 200:
            yield await flush()
    yield await flush()


@router.get("/agenda.csv", response_class=StreamingResponse)
async def agenda_csv(rt: RuntimeDep, principal: Reader, division: str | None = None,
                     from_: From = None, to: To = None) -> StreamingResponse:
    f = agenda_filter(rt, principal, division, from_, to)
    await rt.reader.version()  # 503 now rather than a broken download
    return StreamingResponse(
        agenda_lines(rt, f), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="buku-agenda.csv"'})
