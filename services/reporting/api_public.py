"""`GET /public/status`: a citizen looks their request or complaint up, without a token,
by its reference (agenda number, complaint tracking id or case id) and the status code of
their receipt. A wrong code answers exactly as an unknown reference does (404), and every
lookup counts against the client address's rate limit (429 with `Retry-After`)."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request

from chassis.i18n import Text, pick_lang
from chassis.problems import NotFound

from .deps import RuntimeDep
from .office_queries import OfficeReader
from .public import answer

router = APIRouter(prefix="/public", tags=["public"])
UNKNOWN = Text("Nomor atau kode tidak cocok dengan permohonan mana pun",
               "The reference or the code matches no request")


@router.get("/status", summary="Where my request or complaint stands (no personal data)")
async def status(
    request: Request, rt: RuntimeDep,
    reference: Annotated[str, Query(min_length=1, max_length=64)],
    code: Annotated[str, Query(min_length=1, max_length=32)],
) -> dict:
    client = request.client.host if request.client else "unknown"
    await rt.public_limiter.check(client)
    mine = await asyncio.to_thread(rt.status_codes.digest, code)  # the key store's key
    docs = await OfficeReader(rt.reader).search(reference, [], 5) if mine else []
    for doc in docs:
        view = doc.view or {}
        kept = view.get("status_digest")
        if view.get("kind") in ("case", "complaint") and kept and hmac.compare_digest(
                mine, kept):
            lang = pick_lang(request.headers.get("accept-language"), request.app.state.lang)
            return answer(reference.strip(), view, lang)
    raise NotFound(UNKNOWN)
