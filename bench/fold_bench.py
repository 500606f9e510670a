"""What folding the own events costs at assignment (chassis.durability): one partition of a
private disposition topic holding --events envelopes (--per-case per case), read back and
folded by the disposition service's own fold, against aiokafka's raw consume of the same
partition in the same run.

    .venv/bin/python bench/fold_bench.py --bootstrap HOST:PORT [--events 100000] [--write-doc]

Two cases: the table already holds every event (the usual assignment: only the envelope
heads are parsed) and the table is behind by every event (each one decoded and folded: the
worst case after a lost changelog). The private topic is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from contracts.sealed import sample as sealed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiokafka import TopicPartition  # noqa: E402

from bench.docs import write_section  # noqa: E402
from chassis.durability import read_partitions  # noqa: E402
from chassis.kafka import ensure_topics, new_admin, new_consumer, new_producer  # noqa: E402
from contracts import disposition as ev  # noqa: E402
from contracts import encode, envelope  # noqa: E402
from contracts import intake as it  # noqa: E402
from services.disposition.agents import CaseAgent  # noqa: E402
from services.disposition.handler import handle_intake  # noqa: E402

HEADING = "## Folding the own events at assignment"
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def base_record(case_id: str):
    requested = it.AudienceRequested(
        case_id=case_id, channel="letter", applicant=it.Applicant(name=sealed("Budi")),
        purpose=sealed("bantuan sosial"), form=it.RequestForm(subject="PKH", participants=1),
        letter=it.Letter(number="001/2026", dated=date(2026, 3, 1), addressed_to="Kadis",
                         sender=sealed("Desa Air Itam")), requested_at=T0)
    registered = it.RequestRegistered(case_id=case_id, agenda_number="AUD/2026/000001",
                                      registered_at=T0)
    rec = handle_intake(None, envelope(requested, source="intake", sequence=1, time=T0)).record
    return handle_intake(rec, envelope(registered, source="intake", sequence=2,
                                       time=T0)).record


def own_events(case_id: str, n: int) -> list[bytes]:
    return [encode(envelope(
        ev.CaseDisposed(case_id=case_id, division="rehsos", instructions="tindak lanjuti",
                        disposed_by="kadis"),
        source="disposition", sequence=i + 1, time=T0, causationid=f"{case_id}-{i}"))
        for i in range(n)]


async def raw_consume(bootstrap: str, topic: str, count: int) -> float:
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        began, seen = time.perf_counter(), 0
        while seen < count:
            got = await consumer.getmany(tp, timeout_ms=500, max_records=5000)
            seen += sum(len(v) for v in got.values())
        return time.perf_counter() - began
    finally:
        await consumer.stop()


async def run(args) -> dict[str, float]:
    topic = f"bench-{uuid.uuid4().hex[:8]}.audiensi.disposition.v1"
    await ensure_topics(args.bootstrap, {topic: 1})
    cases = [f"case-{i:06d}" for i in range(args.events // args.per_case)]
    producer = new_producer(bootstrap_servers=args.bootstrap, acks="all",
                                linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        for case_id in cases:
            for value in own_events(case_id, args.per_case):
                await producer.send(topic, key=case_id.encode(), value=value, partition=0)
        await producer.flush()
    finally:
        await producer.stop()
    total = len(cases) * args.per_case
    try:
        raw_s = await raw_consume(args.bootstrap, topic, total)
        agent = CaseAgent(None, {}, None, None)
        behind = {c: base_record(c).to_table() for c in cases}

        async def fold_with(table: dict) -> tuple[float, int]:
            agent.cases = table
            began = time.perf_counter()
            records = await read_partitions(args.bootstrap, [(topic, 0)])
            folded = sum(1 for r in records if agent.fold_published(r))
            return time.perf_counter() - began, folded

        behind_s, folded = await fold_with(dict(behind))
        assert folded == total, (folded, total)
        current = dict(agent.cases)  # now holds every event
        current_s, none = await fold_with(current)
        assert none == 0
    finally:
        admin = new_admin(bootstrap_servers=args.bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()
    return {"events": total, "raw_s": raw_s, "current_s": current_s, "behind_s": behind_s}


def report(f: dict[str, float]) -> str:
    n = f["events"]
    rows = [("aiokafka raw consume (baseline)", f["raw_s"]),
            ("fold, table current (heads only)", f["current_s"]),
            ("fold, table behind by every event", f["behind_s"])]
    lines = [HEADING, "",
             f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, "
             f"{n:,} events on one partition (`bench/fold_bench.py`).", "",
             "| read | seconds | events/s | x raw |", "|---|---:|---:|---:|"]
    for name, s in rows:
        lines.append(f"| {name} | {s:.2f} | {n / s:,.0f} | {s / f['raw_s']:.1f} |")
    lines += ["", "The first case is every assignment's cost (time to ready grows by it); the "
              "second only follows a lost changelog write.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-case", type=int, default=10)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    text = report(figures)
    print(text)
    if args.write_doc:
        write_section(HEADING, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
