"""Schemathesis against the documents service (every operation, every seeded user's token and
none, real cases and documents among the path values): no 5xx, no answer outside what the
OpenAPI declares."""

from __future__ import annotations

import httpx

from tests.support.auth import auth
from tests.support.fuzzing import fuzz

from .support import pdf

EXAMPLES = 15


async def test_no_answer_is_a_server_error_or_breaks_its_schema(documents):
    case_id = await documents.new_case()
    async with httpx.AsyncClient(base_url=documents.url, timeout=30) as c:
        r = await c.post(f"/cases/{case_id}/documents", headers=auth("frontdesk"),
                         data={"kind": "surat_permohonan"},
                         files={"file": ("a.pdf", pdf(2000), "application/pdf")})
    assert r.status_code == 201
    known = {"case_id": [case_id], "document_id": [r.json()["document_id"]]}
    report = fuzz("documents", documents.url, EXAMPLES, known=known, seed=15)
    assert len(report.cases) >= 4 and min(report.cases.values()) >= 5
    assert report.server_errors == 0 and not report.failures, "\n".join(
        str(f) for f in report.failures)
