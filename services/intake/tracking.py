"""Public complaint tracking ids, e.g. `ADU-2026-7KQ3M9`.

Six Crockford base-32 characters (no I, L, O, U) drawn from a hash of the command id and an
attempt number: not guessable from other complaints, the same for a redelivered command. The
complaint id is derived from the tracking id, so a tracking id finds its complaint without an
index; the owner of that complaint id refuses a second complaint on the same id
(`TrackingTaken`) and the HTTP side draws the next attempt: unique by construction.
"""

from __future__ import annotations

import hashlib
import re

from contracts import deterministic_id

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = re.compile(r"^ADU-(\d{4})-([0-9A-HJKMNP-TV-Z]{6})$")
MAX_ATTEMPTS = 8


def tracking_id(command_id: str, year: int, attempt: int = 0) -> str:
    n = int.from_bytes(hashlib.sha256(f"{command_id}/{attempt}".encode()).digest()[:4], "big")
    code = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(6))
    return f"ADU-{year}-{code}"


def is_tracking_id(text: str) -> bool:
    return PATTERN.match(text.upper()) is not None


def complaint_id_for(tracking: str) -> str:
    return deterministic_id("complaint", tracking.upper())
