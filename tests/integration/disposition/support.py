"""Helpers for the disposition integration tests: intake events put on the real intake topic
(as the intake service would) and tokens for the seeded users."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from chassis.kafka import new_producer
from contracts import Envelope, encode, envelope
from contracts import intake as it
from contracts.sealed import sample as sealed
from contracts.topics import INTAKE
from tests.support.auth import auth


def new_case_id(prefix: str = "c") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def request_events(case_id: str, *, urgent: bool = False, agenda: int = 1) -> list[Envelope]:
    """What intake writes for a request: AudienceRequested (+ RequestRegistered for letters)."""
    now = datetime.now(UTC)
    letter = None if urgent else it.Letter(number=f"{agenda:03d}/2026", dated=date(2026, 3, 1),
                                           addressed_to="Kepala Dinas",
                                           sender=sealed("Desa Air Itam"))
    requested = it.AudienceRequested(
        case_id=case_id, channel="walk_in" if urgent else "letter", urgent=urgent,
        applicant=it.Applicant(name=sealed("Budi Santoso"), organization=sealed("Karang Taruna")),
        purpose=sealed("bantuan sosial"), form=it.RequestForm(subject="PKH", topics=["PKH"],
                                                      participants=2),
        letter=letter, requested_at=now)
    events = [envelope(requested, source="intake", sequence=1, time=now)]
    if not urgent:
        registered = it.RequestRegistered(case_id=case_id, registered_at=now,
                                          agenda_number=f"AUD/2026/{agenda:06d}")
        events.append(envelope(registered, source="intake", sequence=2, time=now))
    return events


def withdrawal(case_id: str, sequence: int) -> Envelope:
    now = datetime.now(UTC)
    return envelope(it.RequestWithdrawn(case_id=case_id, reason="tidak jadi", withdrawn_at=now),
                    source="intake", sequence=sequence, time=now)


async def produce(bootstrap: str, envelopes: list[Envelope], raw: list[tuple[bytes, bytes]] = (),
                  topic: str = INTAKE) -> None:
    producer = new_producer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(topic, key=env.subject.encode(), value=encode(env))
        for key, value in raw:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


def headers(user: str, **extra: str) -> dict[str, str]:
    return {**auth(user), **extra}
