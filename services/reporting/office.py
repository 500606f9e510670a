"""The view plus what the office's read side needs of it (the case file's summary: subject,
letter number, visit; a visit's guest-book line). Pure: a function of the entry set, like
`model.derive`, which it wraps (projection uses this one)."""

from __future__ import annotations

from typing import Any

from .model import Entry, View
from .model import derive as derive_view


def summary(kind: str, entries: list[Entry]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for e in entries:
        f = e.get("file") or {}
        if e["type"] == "AudienceRequested":
            out["subject"] = f["request"]["subject"]
            out["purpose"] = f["purpose"]
            out["organization"] = f["applicant"]["organization"]
            out["letter_number"] = (f.get("letter") or {}).get("number")
            out["visit_id"] = f.get("visit_id")
        elif e["type"] == "ComplaintFiled":
            out["subject"] = f["subject"]
        elif e["type"] == "VisitorCheckedIn" and "name" not in out:
            out.update(name=f["name"], organization=f["organization"], purpose=f["purpose"],
                       identity=f["identity"])
    return out


def derive(subject: str, entries: list[Entry]) -> View:
    view = derive_view(subject, entries)
    view["file"] = summary(view["kind"], entries)
    return view
