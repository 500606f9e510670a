"""What a client of the command benchmark sends: a letter request, then the office's steps
(shared by the asyncio modes of bench/command_bench.py and its locust run)."""

from __future__ import annotations

import uuid
from datetime import date

STEPS = [
    ("disposition", "kadis", {"division": "rehsos", "instructions": "tindak lanjuti"}),
    ("receipt", "kabid-rehsos", {}),
    ("assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"}),
    ("notification", "petugas-rehsos-1", {"channel": "telepon", "message": "jadwal"}),
]
USERS = ("sekretariat", "kadis", "kabid-rehsos", "petugas-rehsos-1")


def request_body() -> dict:
    return {"channel": "letter", "applicant": {"name": "Pemohon"}, "purpose": "Audiensi",
            "form": {"subject": "Bantuan", "participants": 2},
            "letter": {"number": f"B-{uuid.uuid4().hex[:8]}", "dated": str(date.today()),
                       "addressed_to": "Kepala Dinas", "sender": "Desa"}}
