"""`GET /cases`, `GET /cases/{case_id}` and `GET /exports/cases.csv`."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chassis.auth import Principal, require_roles
from chassis.problems import Forbidden, NotFound

from .deps import RuntimeDep, check_division, division_scope
from .model import CASE_STATUSES
from .queries import CaseFilter, Reader
from .reading import CASE_COLUMNS, case_detail, case_row, csv_value, decode_cursor, time_range
from .texts import CASE_NOT_FOUND, OTHER_DIVISION

router = APIRouter(tags=["cases"])

CASE_READERS = ("analyst", "ops", "head_of_office", "division_head")
Status = Literal[CASE_STATUSES]  # type: ignore[valid-type]
Channel = Literal["letter", "walk_in"]
From = Annotated[str | None, Query(alias="from", description="YYYY-MM-DD or RFC 3339")]
To = Annotated[str | None, Query(description="YYYY-MM-DD (inclusive) or RFC 3339 (exclusive)")]


def case_filter(rt, principal: Principal, status, division, channel, from_, to) -> CaseFilter:
    check_division(rt, division)
    return CaseFilter(status=status, division=division_scope(principal, division),
                      channel=channel, range=time_range(from_, to, rt.tz))


@router.get("/cases")
async def list_cases(
    rt: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*CASE_READERS))],
    status: Status | None = None, division: str | None = None, channel: Channel | None = None,
    from_: From = None, to: To = None, cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict:
    f = case_filter(rt, principal, status, division, channel, from_, to)
    cur = decode_cursor(cursor) if cursor else None
    views, next_cursor = await rt.reader.list_cases(f, cur, limit)
    return {"items": [case_row(v) for v in views], "next_cursor": next_cursor}


@router.get("/cases/{case_id}")
async def get_case(
    case_id: str, rt: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*CASE_READERS))],
) -> dict:
    doc = await rt.reader.doc(case_id)
    if doc is None or not doc.view or doc.view["kind"] != "case":
        raise NotFound(CASE_NOT_FOUND)
    # a division head reads their division's cases and those copied to them (tembusan)
    if (not principal.has_any({"analyst", "ops", "head_of_office"})
            and doc.view.get("division") != principal.division
            and principal.division not in doc.view.get("copies", [])):
        raise Forbidden(OTHER_DIVISION)
    return case_detail(doc)


async def csv_lines(reader: Reader, f: CaseFilter) -> AsyncIterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf)  # RFC 4180: CRLF line ends, quotes where needed
    buf.write("\ufeff")  # BOM: Excel then reads UTF-8 (names with diacritics) correctly
    writer.writerow(CASE_COLUMNS)
    n = 0
    async for view in reader.iter_cases(f):
        row = case_row(view)
        writer.writerow([csv_value(row[c]) for c in CASE_COLUMNS])
        n += 1
        if n % 200 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


@router.get("/exports/cases.csv", response_class=StreamingResponse)
async def export_cases(
    rt: RuntimeDep, principal: Annotated[Principal, Depends(require_roles("analyst"))],
    status: Status | None = None, division: str | None = None, channel: Channel | None = None,
    from_: From = None, to: To = None,
) -> StreamingResponse:
    f = case_filter(rt, principal, status, division, channel, from_, to)
    await rt.reader.version()  # 503 now rather than a broken download
    return StreamingResponse(
        csv_lines(rt.reader, f), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audiensi-cases.csv"'})
