"""Request bodies the tests send."""

from __future__ import annotations

import uuid
from datetime import date


def letter_body(name: str = "Budi Santoso") -> dict:
    """`POST /requests` of a letter, with a letter number of its own."""
    return {
        "channel": "letter", "urgent": False,
        "applicant": {"name": name, "organization": "Desa Air Itam"},
        "purpose": "Audiensi tentang bantuan rehabilitasi sosial",
        "form": {"subject": "Rehabilitasi sosial", "topics": ["rehsos"], "participants": 3},
        "letter": {"number": f"005/{uuid.uuid4().hex[:6]}/2026", "dated": str(date.today()),
                   "addressed_to": "Kepala Dinas", "sender": "Kepala Desa Air Itam"},
    }
