"""Printable PDFs of a case (`services/reporting/printing.py`): `GET /cases/{id}/receipt.pdf`,
`/disposition-sheet.pdf`, `/report.pdf`. Who may print: the case file's readers."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from chassis.auth import ANY_STAFF, Principal, require_roles
from chassis.org import load_org

from . import printing
from .api_office import readable_file
from .deps import RuntimeDep

router = APIRouter(tags=["office"])
LETTERHEAD = "letterhead.yaml"  # beside org.yaml in config/

Staff = Annotated[Principal, Depends(require_roles(*ANY_STAFF))]
PDF = {200: {"description": "an A4 PDF",
             "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}




def _lookups(rt):
    org = load_org(rt.settings.org_file)
    people = {u.id: u.name for u in org.users}
    divisions = {d.id: d.name for d in org.divisions}
    head = printing.load_letterhead(rt.settings.org_file.parent / LETTERHEAD)
    return (head, lambda uid: people.get(uid, uid) if uid else "-",
            lambda did: divisions.get(did, did) if did else "-")


async def _pdf(page: str, name: str) -> Response:
    pdf = await asyncio.to_thread(printing.render, page)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/cases/{case_id}/receipt.pdf", summary="Tanda terima (receipt), A4 PDF",
            response_class=Response, responses=PDF)
async def receipt(case_id: str, rt: RuntimeDep, principal: Staff,
                  code: Annotated[str | None, Query(max_length=32,
                                                    pattern=r"^[A-Za-z0-9-]+$")] = None
                  ) -> Response:
    f = await readable_file(rt, case_id, principal)
    head, names, _ = _lookups(rt)
    return await _pdf(printing.receipt_html(f, head, names, code), f"tanda-terima-{case_id}.pdf")


@router.get("/cases/{case_id}/disposition-sheet.pdf", response_class=Response, responses=PDF,
            summary="Lembar disposisi (disposition sheet), A4 PDF")
async def disposition_sheet(case_id: str, rt: RuntimeDep, principal: Staff) -> Response:
    f = await readable_file(rt, case_id, principal)
    head, names, divisions = _lookups(rt)
    return await _pdf(printing.disposition_sheet_html(f, head, names, divisions),
                      f"lembar-disposisi-{case_id}.pdf")


@router.get("/cases/{case_id}/report.pdf", response_class=Response, responses=PDF,
            summary="Laporan Hasil Audiensi (result report), A4 PDF")
async def report(case_id: str, rt: RuntimeDep, principal: Staff) -> Response:
    f = await readable_file(rt, case_id, principal)
    head, names, divisions = _lookups(rt)
    return await _pdf(printing.report_html(f, head, names, divisions),
                      f"laporan-hasil-{case_id}.pdf")
