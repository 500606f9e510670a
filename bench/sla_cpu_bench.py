"""The SLA agent's CPU per started clock, in process: `Processor.process` on batches of
`DispositionReceived` with an in-memory table and no-op producer and Redis (no I/O), so
what is left is the decide, pack and read-model work a clock costs the agent's core.

    .venv/bin/python bench/sla_cpu_bench.py                # 5,000 clocks
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
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts import encode, envelope  # noqa: E402
from contracts.disposition import DispositionReceived  # noqa: E402
from contracts.topics import DISPOSITION  # noqa: E402
from services.sla.deadlines import DeadlineIndex  # noqa: E402
from services.sla.policy import load_policies  # noqa: E402
from services.sla.processor import Processor  # noqa: E402


class _Message:
    def __init__(self, offset: int, key: bytes, value: bytes) -> None:
        self.topic, self.partition, self.offset = DISPOSITION, 0, offset
        self.key, self.value = key, value


class _Event:
    def __init__(self, message: _Message) -> None:
        self.message, self.key, self.value = message, message.key, message.value


class _Publisher:
    async def publish(self, envelopes) -> None:
        return None


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


def batches(clocks: int, size: int) -> list[list[_Event]]:
    now = datetime.now(UTC)
    events = []
    for offset in range(clocks):
        case = f"cpu-{uuid.uuid4()}"
        env = envelope(DispositionReceived(case_id=case, division="rehsos",
                                           received_by="kabid-rehsos"),
                       source="disposition", sequence=1, time=now)
        events.append(_Event(_Message(offset, case.encode(), encode(env))))
    return [events[i:i + size] for i in range(0, clocks, size)]


async def run(args) -> float:
    from chassis.settings import get_settings

    policies = load_policies(get_settings().sla_policies)
    redis = _Redis()
    proc = Processor(policies, {}, _Publisher(), DeadlineIndex(), lambda: redis)
    work = batches(args.clocks, args.batch)
    profile = cProfile.Profile() if args.profile else None
    began = time.perf_counter()
    if profile:
        profile.enable()
    for batch in work:
        await proc.process(batch)
        while proc._projections is not None and not proc._projections.empty():
            await asyncio.sleep(0)
    if profile:
        profile.disable()
    took = time.perf_counter() - began
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clocks", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-gc", action="store_true", help="gc.disable() while it runs")
    args = parser.parse_args()
    if args.no_gc:
        gc.disable()
    took = asyncio.run(run(args))
    print(f"{args.clocks:,} clocks in {took:.2f} s: {args.clocks / took:,.0f} clocks/s, "
          f"{took / args.clocks * 1e6:,.0f} us of CPU each (gc {'off' if args.no_gc else 'on'})")


if __name__ == "__main__":
    main()
