"""CloudEvents 1.0 envelope (structured JSON mode) with Audiensi's extensions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal, Union

from pydantic import AwareDatetime, Field

from .base import Model
from .complaints import COMPLAINT_EVENTS
from .deadletter import DeadLettered
from .disposition import DISPOSITION_EVENTS
from .documents import DOCUMENT_EVENTS
from .intake import INTAKE_EVENTS
from .sla import ESCALATION_EVENTS, SLA_EVENTS

ALL_EVENTS = (
    *INTAKE_EVENTS,
    *COMPLAINT_EVENTS,
    *DISPOSITION_EVENTS,
    *SLA_EVENTS,
    *ESCALATION_EVENTS,
    *DOCUMENT_EVENTS,
    DeadLettered,
)
EVENT_TYPES: dict[str, type] = {cls.model_fields["type"].default: cls for cls in ALL_EVENTS}

#: every event type, discriminated by `type` (built from ALL_EVENTS: a new event needs no edit)
AnyEvent = Annotated[Union[ALL_EVENTS], Field(discriminator="type")]  # noqa: UP007

#: namespace for deterministic ids (uuid5)
NAMESPACE = uuid.UUID("6f1c8a52-3c8e-4f43-9a55-2d0f7c4b9e10")


def deterministic_id(*parts: object) -> str:
    """A stable UUID for the same parts: redoing a step yields the same id."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


class Envelope(Model):
    specversion: Literal["1.0"] = "1.0"
    id: str
    type: str
    source: str
    subject: str
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    schemaversion: int = 1
    sequence: int = Field(ge=1)
    actorid: str | None = None
    actorrole: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    data: AnyEvent

    @property
    def topic(self) -> str:
        return self.data.TOPIC


def envelope(
    event,
    *,
    source: str,
    sequence: int,
    time: datetime | None = None,
    id: str | None = None,
    actorid: str | None = None,
    actorrole: str | None = None,
    correlationid: str | None = None,
    causationid: str | None = None,
) -> Envelope:
    """Wrap an event in its envelope; subject is taken from the event."""
    return Envelope(
        id=id or str(uuid.uuid4()),
        type=event.type,
        source=source,
        subject=event.subject_id(),
        time=time or datetime.now(UTC),
        schemaversion=type(event).SCHEMA_VERSION,
        sequence=sequence,
        actorid=actorid,
        actorrole=actorrole,
        correlationid=correlationid,
        causationid=causationid,
        data=event,
    )
