"""The SLA agent's CPU per started clock, in process: `Processor.process` on batches of
`DispositionReceived` with an in-memory table and no-op producer and Redis (no I/O), so
what is left is the decide, pack and read-model work a clock costs the agent's core; then
the same for a tick of each of them past its due (what a herd costs: the tick command
opened, the state unpacked, the ladder fired, the escalation and breach wrapped, packed).

    .venv/bin/python bench/sla_cpu_bench.py                # 5,000 clocks, then their ticks
    .venv/bin/python bench/sla_cpu_bench.py --profile      # and cProfile's top entries
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chassis.auth import Principal  # noqa: E402
from contracts import encode, envelope  # noqa: E402
from contracts.disposition import DispositionReceived  # noqa: E402
from contracts.topics import DISPOSITION  # noqa: E402
from services.sla.deadlines import DeadlineIndex  # noqa: E402
from services.sla.inputs import COMMANDS, tick_message  # noqa: E402
from services.sla.policy import load_policies  # noqa: E402
from services.sla.processor import Processor  # noqa: E402


class _Message:
    def __init__(self, offset: int, key: bytes, value: bytes, topic: str = DISPOSITION) -> None:
        self.topic, self.partition, self.offset = topic, 0, offset
        self.key, self.value = key, value


class _Event:
    def __init__(self, message: _Message) -> None:
        self.message, self.key, self.value = message, message.key, message.value


class _Publisher:
    raised = 0

    async def publish(self, envelopes) -> None:
        self.raised += sum(1 for e in envelopes if e.type == "EscalationRaised")


class _Pipeline:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    def __getattr__(self, name):
        return lambda *a, **kw: None

    async def execute(self) -> list:
        return []


class _Redis:
    def pipeline(self, transaction: bool = True) -> _Pipeline:
        return _Pipeline()


def batches(clocks: int, size: int, now: datetime) -> list[list[_Event]]:
    events = []
    for offset in range(clocks):
        case = f"cpu-{uuid.uuid4()}"
        env = envelope(DispositionReceived(case_id=case, division="rehsos",
                                           received_by="kabid-rehsos"),
                       source="disposition", sequence=1, time=now)
        events.append(_Event(_Message(offset, case.encode(), encode(env))))
    return [events[i:i + size] for i in range(0, clocks, size)]


def tick_batches(subjects: list[str], size: int, at: datetime) -> list[list[_Event]]:
    actor = Principal(sub="sla-ticker", name="SLA ticker", roles=("system",))
    events = [_Event(_Message(n, s.encode(), tick_message(s, at, actor).to_bytes(), COMMANDS))
              for n, s in enumerate(subjects)]
    return [events[i:i + size] for i in range(0, len(events), size)]


async def timed(proc: Processor, work: list[list[_Event]], profile: bool) -> float:
    """CPU seconds of processing the batches (and the read-model writes they queue)."""
    prof = cProfile.Profile() if profile else None
    began = time.process_time()
    if prof:
        prof.enable()
    for batch in work:
        await proc.process(batch)
        while proc._projections is not None and not proc._projections.empty():
            await asyncio.sleep(0)
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return time.process_time() - began


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def run(args) -> tuple[float, float, int]:
    """(seconds for the starts, seconds for the ticks, escalations raised)."""
    from chassis.settings import get_settings

    policies = load_policies(get_settings().sla_policies)
    redis, table, published = _Redis(), {}, _Publisher()
    proc = Processor(policies, table, published, DeadlineIndex(), lambda: redis)
    now = datetime.now(UTC)
    work = batches(args.clocks, args.batch, now)
    await proc.process(batches(50, 50, now)[0])  # warm: calendars, holidays, imports
    gc.collect()
    before = rss_kib()
    started = await timed(proc, work, args.profile)
    gc.collect()
    grown = rss_kib() - before
    values = [v for k, v in table.items() if k.startswith(b"cpu-")]
    print(f"memory: table values {sum(map(len, values)) / len(values):,.0f} bytes each; RSS "
          f"grew {grown / args.clocks:.2f} KiB per open clock (table, deadline index)")
    ticks = tick_batches([e.key.decode() for b in work for e in b], args.batch,
                         now + timedelta(days=30))
    raised = published.raised
    ticked = await timed(proc, ticks, args.profile)
    return started, ticked, published.raised - raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clocks", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-gc", action="store_true", help="gc.disable() while it runs")
    args = parser.parse_args()
    if args.no_gc:
        gc.disable()
    took, ticked, raised = asyncio.run(run(args))
    gc_state = "off" if args.no_gc else "on"
    print(f"{args.clocks:,} clocks in {took:.2f} s: {args.clocks / took:,.0f} clocks/s, "
          f"{took / args.clocks * 1e6:,.0f} us of CPU each (gc {gc_state})")
    print(f"{args.clocks:,} ticks past due in {ticked:.2f} s ({raised:,} escalations): "
          f"{args.clocks / ticked:,.0f} ticks/s, {ticked / args.clocks * 1e6:,.0f} us of CPU "
          f"each (gc {gc_state})")


if __name__ == "__main__":
    main()
