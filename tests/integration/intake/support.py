"""Bodies and topic look-ups for the intake integration tests."""

from __future__ import annotations

from datetime import date, timedelta

from contracts import DecodeError, Envelope, decode, deterministic_id
from contracts.topics import COMPLAINTS, INTAKE, command_topic
from services.intake.agents import REGISTRAR_TOPIC
from tests.support.kafka import end_offsets, read_raw
from tests.support.waiting import eventually

#: every topic a request can touch: nothing may move when one is refused with 401/403/422
ALL_INPUT_TOPICS = (INTAKE, COMPLAINTS, REGISTRAR_TOPIC, command_topic("intake"))

NIK = "1971015708900001"  # Babel, Pangkalpinang, woman born 17-08-1990
NIK_2 = "1971024512880007"  # woman born 05-12-1988
NIK_3 = "3173021205850042"  # DKI, man born 12-05-1985
TODAY = date.today()


def ktp(number: str = NIK, **extra) -> dict:
    return {"kind": "KTP", "number": number, **extra}


def visit_body(number: str = NIK, name: str = "Siti Aminah") -> dict:
    return {"name": name, "organization": "Desa Air Itam", "phone": "0812 7000 1111",
            "purpose": "konsultasi bantuan PKH", "identity": ktp(number)}


def letter_body(**override) -> dict:
    body = {
        "channel": "letter",
        "applicant": {"name": "Budi Santoso", "organization": "Desa Air Itam",
                      "contact": "0812 7000 2222"},
        "purpose": "audiensi program bantuan sosial",
        "form": {"subject": "PKH", "topics": ["PKH", "BPNT"], "participants": 3,
                 "preferred_date": (TODAY + timedelta(days=7)).isoformat()},
        "letter": {"number": "140/23/DESA/2026", "dated": (TODAY - timedelta(days=2)).isoformat(),
                   "addressed_to": "Kepala Dinas", "sender": "Kepala Desa Air Itam",
                   "referral_from": "Dinas Sosial Kabupaten Bangka"},
    }
    body.update(override)
    return body


def walk_in_body(visit_id: str, urgent: bool = False) -> dict:
    return {"channel": "walk_in", "urgent": urgent, "visit_id": visit_id,
            "purpose": "korban kebakaran butuh bantuan segera",
            "form": {"subject": "bantuan darurat", "participants": 1}}


async def offsets(bootstrap: str, topics=ALL_INPUT_TOPICS) -> dict[str, dict[int, int]]:
    return {t: await end_offsets(bootstrap, t) for t in topics}


async def topic_events(bootstrap: str, topic: str, subject: str | None = None
                       ) -> list[Envelope]:
    """The events on the real topic in partition/offset order. Other tests put poison
    messages on shared topics (to test their dead-letter paths): those are skipped here."""
    out = []
    for _, _, _, value in sorted(await read_raw(bootstrap, topic)):
        try:
            env = decode(value)
        except DecodeError:
            continue
        if subject is None or env.subject == subject:
            out.append(env)
    return out


def made_by_intake(env: Envelope, kind: str) -> bool:
    """Written by the intake service itself: its subjects are uuid5 of the causing command
    (other tests publish look-alike events to feed their own consumers)."""
    return (env.source == "intake" and env.causationid is not None
            and env.subject == deterministic_id(kind, env.causationid))


async def events_of(bootstrap: str, topic: str, subject: str, n: int,
                    timeout: float = 10.0) -> list[Envelope]:
    """The subject's events on the real topic, once there are `n` of them (polled); what is
    there at the deadline otherwise (the caller's assertion shows it)."""
    try:
        return await eventually(lambda: topic_events(bootstrap, topic, subject),
                                lambda found: len(found) >= n, timeout=timeout, every=0.1)
    except AssertionError:
        return await topic_events(bootstrap, topic, subject)
