"""Helpers of the documents tests: intake/disposition events for a case, sample files."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from chassis.kafka import new_producer
from contracts import encode, envelope
from contracts import intake as i
from contracts.disposition import CaseDisposed, OfficerAssigned
from contracts.samples import samples
from contracts.sealed import sample as sealed


def requested(case_id: str) -> i.AudienceRequested:
    template = next(e for e in samples() if e.type == "AudienceRequested")
    return template.model_copy(update={"case_id": case_id,
                                       "purpose": sealed("bantuan", f"case:{case_id}")})


async def publish_case_events(bootstrap: str, case_id: str, division: str,
                              officer: str | None) -> None:
    from chassis.keystore import open_keystore
    from chassis.settings import get_settings
    from contracts.sealed import case_key

    open_keystore(get_settings()).get_or_create(case_key(case_id))  # as intake's sealing does
    now = datetime.now(UTC)
    intake = [envelope(requested(case_id), source="intake", sequence=1, time=now)]
    disposition = [envelope(CaseDisposed(case_id=case_id, division=division,
                                         instructions="tindak lanjuti", disposed_by="kadis"),
                            source="disposition", sequence=1, time=now)]
    if officer is not None:
        disposition.append(envelope(OfficerAssigned(case_id=case_id, officer_id=officer,
                                                    assigned_by=f"kabid-{division}"),
                                    source="disposition", sequence=2, time=now))
    producer = new_producer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for env in [*intake, *disposition]:
            await producer.send_and_wait(env.topic, key=case_id.encode(), value=encode(env))
    finally:
        await producer.stop()


def pdf(size: int) -> bytes:
    """`size` bytes that begin like a PDF; the rest random (so it is found nowhere else)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + os.urandom(max(0, size - len(head)))


def png(size: int = 2048) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)


#: a Windows executable's first bytes (MZ header), to be sent named `.pdf`
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + os.urandom(4096)


async def publish_closed(bootstrap: str, case_id: str, sequence: int = 3) -> None:
    from contracts.disposition import CaseClosed

    env = envelope(CaseClosed(case_id=case_id, closed_by="kadis", outcome="selesai"),
                   source="disposition", sequence=sequence, time=datetime.now(UTC))
    producer = new_producer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(env.topic, key=case_id.encode(), value=encode(env))
    finally:
        await producer.stop()


async def publish_erased(bootstrap: str, case_id: str, sequence: int = 2) -> None:
    """intake's PersonalDataErased of a case (the key itself is left: the event alone must
    stop new documents)."""
    env = envelope(i.PersonalDataErased(erasure_id=f"er-{case_id}", scope="case",
                                        case_ids=[case_id], erased_by="admin",
                                        erased_at=datetime.now(UTC)),
                   source="intake", sequence=sequence, time=datetime.now(UTC))
    producer = new_producer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(env.topic, key=case_id.encode(), value=encode(env))
    finally:
        await producer.stop()
