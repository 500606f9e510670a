"""What the `cases` table holds per case id: the domain state plus the bookkeeping that makes
processing idempotent (last published sequence, last applied intake sequence, the results of
recently processed commands) and the status history. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from .domain import allowed_steps
from .model import Actor, Case

#: how many processed command ids (with their replies) each case remembers
PROCESSED_KEPT = 50


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    status: str
    event: str
    at: datetime
    source: str


class Processed(BaseModel):
    model_config = ConfigDict(frozen=True)
    command_id: str
    status: int
    body: dict[str, Any]


class CaseRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    case: Case
    seq: int = 0  # last sequence published on audiensi.disposition.v1 for this case
    intake_seq: int = 0  # last intake sequence applied
    history: tuple[HistoryEntry, ...] = ()
    processed: tuple[Processed, ...] = ()

    def to_table(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_table(cls, raw: dict[str, Any] | None) -> CaseRecord | None:
        return None if raw is None else cls.model_validate(raw)

    def seen(self, command_id: str) -> Processed | None:
        for p in self.processed:
            if p.command_id == command_id:
                return p
        return None

    def remember(self, command_id: str, status: int, body: dict[str, Any]) -> tuple:
        kept = (*self.processed, Processed(command_id=command_id, status=status, body=body))
        return kept[-PROCESSED_KEPT:]


def view(record: CaseRecord, actor: Actor) -> dict[str, Any]:
    """The case as `GET /cases/{id}` shows it to `actor`."""
    c = record.case
    return {
        "case_id": c.case_id,
        "status": c.status,
        "channel": c.channel,
        "urgent": c.urgent,
        "agenda_number": c.agenda_number,
        "division": c.division,
        "priority": c.priority,
        "officer_id": c.officer_id,
        "self_assigned": c.self_assigned,
        "staff_review_required": c.staff_review_required,
        "staff_review_submitted": c.staff_review_submitted,
        "scheduled_for": c.scheduled_for.isoformat() if c.scheduled_for else None,
        "documents_complete": c.documents_complete,
        "missing_documents": list(c.missing_documents),
        "copies": list(c.copies),
        "previous_officers": list(c.previous_officers),
        "returned_by_divisions": list(c.returned_by_divisions),
        "sequence": record.seq,
        "history": [h.model_dump(mode="json") for h in record.history],
        "allowed_next_steps": allowed_steps(c, actor),
    }
