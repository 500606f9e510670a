"""SLA benchmark: escalation latency with many open clocks, and the service's memory.

    .venv/bin/python bench/sla_bench.py                 # 1,000,000 open clocks, a 10,000 herd
    .venv/bin/python bench/sla_bench.py --clocks 10000  # quicker
    .venv/bin/python bench/sla_bench.py --write-docs    # also update docs/performance.md

What it does (a real broker, a real Redis and the SLA service as a real process):
1. starts Kafka and Redis in a temporary directory (or uses AUDIENSI_KAFKA_BOOTSTRAP /
   AUDIENSI_REDIS_URL when both are set), and the SLA service with a one-step policy
   (PT1H wall clock, breach escalated at 100 %);
2. loads N open clocks (DispositionReceived due in an hour: they stay open all along);
3. spread: M more clocks whose due instants are spread over a window of W seconds;
4. burst: B clocks all due at the same instant;
5. reads EscalationRaised back and reports the delay from each step's due instant
   (`scheduled_at`) to the record's timestamp on the topic (p50, p99, max), the load
   rate, and the service's resident memory (VmRSS / VmHWM) and Redis' memory;
6. all along, readers of the HTTP API (`GET /clocks/counts`, `GET /clocks`): their p99 at
   rest (before the burst) and during the herd (its due instant until the last escalation);
7. restart: R clocks fall due while the service is stopped; the time from starting it again
   until the first of them is escalated.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chassis.kafka import new_consumer, new_producer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from aiokafka import TopicPartition  # noqa: E402

from bench.docs import DOC, JSON_DOC, figure, write_figures, write_section  # noqa: E402
from contracts import decode, encode, envelope  # noqa: E402
from contracts.disposition import DispositionReceived  # noqa: E402
from contracts.topics import ESCALATIONS, SLA  # noqa: E402

POLICY = """
policies:
  - id: bench
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed]
    duration: PT1H
    time: calendar
    escalations:
      - {at: "100%", reason: breached, to_role: division_head}
"""
DURATION = timedelta(hours=1)
SECTION = "## SLA escalation latency"


# --- infrastructure ----------------------------------------------------------------------


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.kafka = self.redis = None
        self.bootstrap = os.environ.get("AUDIENSI_KAFKA_BOOTSTRAP")
        self.redis_url = os.environ.get("AUDIENSI_REDIS_URL")

    def start(self) -> None:
        if self.bootstrap and self.redis_url:
            print(f"using Kafka {self.bootstrap} and Redis {self.redis_url}")
            return
        from stack.kafka import KafkaServer
        from stack.proc import free_port
        from stack.redis import RedisServer

        self.redis = RedisServer(self.workdir, free_port())
        self.redis.start()
        self.kafka = KafkaServer(self.workdir, free_port(), free_port())
        took = self.kafka.start(timeout=180)
        self.bootstrap, self.redis_url = self.kafka.bootstrap, self.redis.url
        os.environ.update(self.kafka.signin_env())  # the broker wants SASL: this process as admin
        from chassis.settings import get_settings

        get_settings.cache_clear()
        print(f"started Kafka {self.bootstrap} in {took:.1f}s and Redis {self.redis_url}")

    def stop(self) -> None:
        if self.kafka:
            self.kafka.stop()
        if self.redis:
            self.redis.stop()


class Service:
    def __init__(self, stack: Stack, workdir: Path, store: str = "memory://") -> None:
        from stack.proc import free_port

        self.port = free_port()
        policy_file = workdir / "bench-policies.yaml"
        policy_file.write_text(POLICY)
        self.env = {**os.environ, "AUDIENSI_KAFKA_BOOTSTRAP": stack.bootstrap,
                    "AUDIENSI_REDIS_URL": stack.redis_url, "AUDIENSI_DATA_DIR": str(workdir),
                    "AUDIENSI_SLA_PORT": str(self.port),
                    "AUDIENSI_SLA_POLICIES": str(policy_file), "PYTHONUNBUFFERED": "1",
                    "AUDIENSI_TABLE_STORE": store}
        if stack.kafka is not None:  # the service signs in as its own principal
            self.env.update(stack.kafka.signin_env("sla"))
        self.log = workdir / "sla.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "services.sla"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace").splitlines()[-15:]
                raise SystemExit("sla exited:\n" + "\n".join(tail))
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"sla not ready after {timeout}s: see {self.log}")

    def memory(self) -> dict[str, float]:
        """VmRSS / VmHWM of the service process, in MiB."""
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
        return out

    def metrics(self) -> dict[str, float]:
        """The agent's batch figures from /metrics (sums and counts)."""
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        out = {}
        for line in text.splitlines():
            if line.startswith("audiensi_sla_batch") and ("_sum" in line or "_count" in line):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- load and measure --------------------------------------------------------------------


async def produce_starts(bootstrap: str, starts: list[datetime], tag: str) -> list[str]:
    """One DispositionReceived per start instant; returns the case ids."""
    producer = new_producer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=256 * 1024, enable_idempotence=True)
    await producer.start()
    cases = []
    try:
        for chunk in range(0, len(starts), 5000):
            futures = []
            for at in starts[chunk:chunk + 5000]:
                case = f"{tag}-{uuid.uuid4()}"
                cases.append(case)
                env = envelope(DispositionReceived(case_id=case, division="rehsos",
                                                   received_by="kabid-rehsos"),
                               source="disposition", sequence=1, time=at)
                futures.append(await producer.send(env.topic, key=case.encode(),
                                                   value=encode(env)))
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return cases


async def total(bootstrap: str, topic: str) -> int:
    consumer = new_consumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        parts = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in parts])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def wait_for_count(bootstrap: str, topic: str, target: int, timeout: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if await total(bootstrap, topic) >= target:
            return time.monotonic() - began
        await asyncio.sleep(0.5)
    raise SystemExit(f"{topic} did not reach {target} messages in {timeout}s")


class Escalations:
    """Reads EscalationRaised from the current end of the topic on."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.seen: dict[str, tuple[float, float]] = {}  # case -> (record delay, raised delay)
        self.duplicates = 0  # an escalation read twice for a case (each must be raised once)
        self.first_at: float | None = None  # monotonic time the first one was read

    async def start(self) -> None:
        await self.consumer.start()
        await self.consumer._client.force_metadata_update()
        parts = self.consumer.partitions_for_topic(ESCALATIONS) or set(range(6))
        tps = [TopicPartition(ESCALATIONS, p) for p in parts]
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)

    async def collect(self, cases: set[str], timeout: float) -> list[tuple[float, float]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not cases <= self.seen.keys():
            batch = await self.consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    env = decode(r.value)
                    if env.type != "EscalationRaised":
                        continue
                    due = env.data.scheduled_at
                    stamp = datetime.fromtimestamp(r.timestamp / 1000, UTC)
                    if env.subject in self.seen:
                        self.duplicates += 1
                    self.first_at = self.first_at or time.monotonic()
                    self.seen[env.subject] = ((stamp - due).total_seconds(),
                                              (env.data.raised_at - due).total_seconds())
        missing = cases - self.seen.keys()
        if missing:
            print(f"  ! {len(missing)} escalations not seen within {timeout}s")
        return [self.seen[c] for c in cases if c in self.seen]

    async def stop(self) -> None:
        await self.consumer.stop()


class ApiLoad:
    """Readers of the SLA HTTP API (the ops board's calls: `GET /clocks/counts` and a page
    of `GET /clocks`), `clients` at a time back to back, each latency recorded with the
    phase it fell in ("rest" or "herd")."""

    def __init__(self, port: int, clients: int = 4) -> None:
        from chassis.auth import issue_token
        from chassis.settings import get_settings

        token = issue_token(get_settings(), sub="ops-bench", name="bench", roles=["ops"])
        self.base = f"http://127.0.0.1:{port}"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.clients = clients
        self.phase = "rest"
        self.latencies: dict[str, list[float]] = {}
        self.errors = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    async def _client(self, n: int) -> None:
        paths = ("/clocks/counts", "/clocks?limit=20")
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers,
                                     timeout=30) as http:
            i = n
            while not self._stop.is_set():
                phase, began = self.phase, time.perf_counter()
                try:
                    ok = (await http.get(paths[i % 2])).is_success
                except httpx.HTTPError:
                    ok = False
                i += 1
                if not ok:
                    self.errors += 1
                    continue
                self.latencies.setdefault(phase, []).append(
                    (time.perf_counter() - began) * 1000)

    def start(self) -> None:
        self._tasks = [asyncio.ensure_future(self._client(n)) for n in range(self.clients)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def summary(self, phase: str) -> dict[str, float]:
        values = self.latencies.get(phase) or [0.0]
        return {"n": len(values), "p50": statistics.median(values), "p99": pct(values, 0.99),
                "max": max(values)}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(delays: list[tuple[float, float]]) -> dict[str, float]:
    record = [d[0] * 1000 for d in delays]
    raised = [d[1] * 1000 for d in delays]
    return {"n": len(record), "p50": statistics.median(record), "p99": pct(record, 0.99),
            "max": max(record), "min": min(record), "raised_p50": statistics.median(raised),
            "raised_max": max(raised), "early": sum(1 for d in raised if d < 0)}


async def bench(args, stack: Stack, service: Service) -> dict:
    bootstrap = stack.bootstrap
    results: dict = {"memory_empty": service.memory()}  # before any clock: the per-clock cost
    base = await total(bootstrap, SLA)

    print(f"loading {args.clocks} open clocks (due in an hour) ...")
    began = time.monotonic()
    now = datetime.now(UTC)
    await produce_starts(bootstrap, [now] * args.clocks, "open")
    produced = time.monotonic() - began
    await wait_for_count(bootstrap, SLA, base + args.clocks, timeout=args.clocks / 50 + 60)
    loaded = time.monotonic() - began
    results["load"] = {"clocks": args.clocks, "produce_s": produced, "load_s": loaded,
                       "rate": args.clocks / loaded}
    results["memory_loaded"] = service.memory()
    print(f"  {args.clocks} clocks started in {loaded:.1f}s ({args.clocks / loaded:.0f}/s); "
          f"service memory {results['memory_loaded']}")

    watcher = Escalations(bootstrap)
    await watcher.start()
    api = ApiLoad(service.port)
    api.start()
    try:
        await asyncio.sleep(args.rest)  # the API's latency at rest: open clocks, no herd

        lead = 8.0  # the spread clocks must be in before their first due instant
        window_start = datetime.now(UTC) + timedelta(seconds=lead)
        step = args.window / max(args.spread, 1)
        dues = [window_start + timedelta(seconds=i * step) for i in range(args.spread)]
        print(f"spread: {args.spread} clocks due over {args.window:.0f}s ...")
        spread = await produce_starts(bootstrap, [d - DURATION for d in dues], "spread")
        delays = await watcher.collect(set(spread), timeout=lead + args.window + 60)
        results["spread"] = summary(delays)
        print(f"  {results['spread']}")

        # the herd's clocks must all be started before their due instant (else its figures
        # measure the loading): the lead is one and a half times their load at the rate just
        # measured, 8 s at least
        burst_lead = max(lead, 1.5 * args.burst / max(results["load"]["rate"], 1.0) + 2.0)
        results["burst_lead_s"] = burst_lead
        burst_at = datetime.now(UTC) + timedelta(seconds=burst_lead)
        print(f"burst: {args.burst} clocks due at the same instant, in {burst_lead:.0f} s ...")
        burst = await produce_starts(bootstrap, [burst_at - DURATION] * args.burst, "burst")
        await asyncio.sleep(max(0.0, (burst_at - datetime.now(UTC)).total_seconds()))
        api.phase = "herd"  # from the due instant until the last escalation is read
        delays = await watcher.collect(set(burst), timeout=180)
        api.phase = "after"
        results["burst"] = summary(delays)
        results["burst"]["once"] = watcher.duplicates == 0
        print(f"  {results['burst']}")
        await api.stop()
        results["api"] = {"rest": api.summary("rest"), "herd": api.summary("herd"),
                          "errors": api.errors}
        print(f"  API at rest {results['api']['rest']}, during the herd "
              f"{results['api']['herd']}")
        results["metrics"] = service.metrics()  # before a restart resets them
        if args.restart:
            results["recovery"] = await recovery(args, bootstrap, service, watcher)
            print(f"  recovery {results['recovery']}")
    finally:
        if not api._stop.is_set():
            await api.stop()
        await watcher.stop()
    results["memory_end"] = service.memory()
    results["redis_mib"] = await redis_memory(stack.redis_url)
    return results


async def recovery(args, bootstrap: str, service: Service, watcher: Escalations) -> dict:
    """Stop the service with clocks about to fall due, let them pass while it is down, start
    it again: the time from the start until the first of them is escalated (and the last)."""
    base = await total(bootstrap, SLA)
    due_at = datetime.now(UTC) + timedelta(seconds=8)
    cases = await produce_starts(bootstrap, [due_at - DURATION] * args.restart, "restart")
    await wait_for_count(bootstrap, SLA, base + len(cases), timeout=60)  # started, not due
    service.stop()
    await asyncio.sleep(max(0.0, (due_at - datetime.now(UTC)).total_seconds()) + 1)
    watcher.seen = {c: v for c, v in watcher.seen.items() if not c.startswith("restart-")}
    watcher.first_at = None
    began = time.monotonic()
    await asyncio.to_thread(service.start, 600)
    ready = time.monotonic() - began
    await watcher.collect(set(cases) - watcher.seen.keys(), timeout=600)
    got = [c for c in cases if c in watcher.seen]
    first = (watcher.first_at - began) if watcher.first_at else float("nan")
    return {"ready_s": ready, "first_s": first, "all_s": time.monotonic() - began,
            "escalated": len(got), "of": len(cases)}


async def redis_memory(url: str) -> float:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        info = await client.info("memory")
        return info["used_memory"] / 2**20
    finally:
        await client.aclose()


# --- report ------------------------------------------------------------------------------


def report(args, r: dict) -> str:
    s, b, load, api = r["spread"], r["burst"], r["load"], r["api"]
    mem_l, mem_e = r["memory_loaded"], r["memory_end"]
    cpu = os.cpu_count()
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `.venv/bin/python bench/sla_bench.py"
        f"{''.join(' ' + a for a in sys.argv[1:] if a != '--write-docs')}` on this machine "
        f"({cpu} cores, {platform.python_implementation()} {platform.python_version()}; "
        "Kafka, Redis, the SLA service and the load generator on the same host). One SLA "
        f"worker, table store `{args.store}`, tick interval "
        f"{os.environ.get('AUDIENSI_SLA_TICK_INTERVAL', '0.25')} s.",
        "",
        "Delay = the escalation record's timestamp on `audiensi.escalations.v1` minus the "
        "instant its ladder step fell due (`scheduled_at`); no escalation is raised early "
        f"(`raised_at >= scheduled_at`: {s['early'] + b['early']} early).",
        "",
        "| scenario | open clocks | escalations | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
        f"| spread: due instants spread over {args.window:.0f} s | {args.clocks:,} | "
        f"{s['n']:,} | {s['p50']:.0f} ms | {s['p99']:.0f} ms | {s['max']:.0f} ms |",
        f"| burst: all due at the same instant ({r['burst_lead_s']:.0f} s after their starts "
        f"were sent) | {args.clocks + args.spread:,} | {b['n']:,} | "
        f"{b['p50']:.0f} ms | {b['p99']:.0f} ms | {b['max']:.0f} ms |",
        "",
        f"- HTTP API (4 readers back to back: `GET /clocks/counts`, `GET /clocks?limit=20`): "
        f"p99 {api['rest']['p99']:.0f} ms at rest ({api['rest']['n']:,} requests), "
        f"{api['herd']['p99']:.0f} ms during the herd ({api['herd']['n']:,} requests; ratio "
        f"{api['herd']['p99'] / max(api['rest']['p99'], 0.001):.2f}, target <= 2); "
        f"{api['errors']} errors. Each burst escalation read once: {b['once']}.",
        *([f"- Restart with {rc['of']:,} deadlines passing while the service is down: ready "
           f"after {rc['ready_s']:.1f} s, first due escalation {rc['first_s']:.1f} s after the "
           f"start, all {rc['escalated']:,} after {rc['all_s']:.1f} s."]
          if (rc := r.get("recovery")) else []),
        f"- Loading {load['clocks']:,} clocks (one `DispositionReceived` each -> "
        f"`ClockStarted`, table write, read model): {load['load_s']:.0f} s, "
        f"{load['rate']:,.0f} clocks/s.",
        f"- SLA service memory with {args.clocks:,} open clocks: RSS {mem_l['VmRSS']:.0f} MiB "
        f"(peak {mem_e['VmHWM']:.0f} MiB, {mem_e['VmRSS']:.0f} MiB at the end; "
        f"{r['memory_empty']['VmRSS']:.0f} MiB before the first clock: "
        f"{per_clock_kib(r, args.clocks):.2f} KiB per open clock); Redis read "
        f"model {r['redis_mib']:.0f} MiB.",
        "- Where the delay goes: a due instant waits up to one tick interval (0.25 s), then "
        "the tick goes through the sla command topic to the partition's agent, which decides, "
        "publishes (acks=all) and writes its changelog in batches of up to 500 messages; "
        "the read model is written to Redis behind it. A burst is the same path with "
        "thousands of ticks queued at once: its tail is the agent's throughput.",
        "- After a restart or rebalance, ticks wait until the agent has read what was already "
        "on its input topics (so a stop delivered while the service was down is applied "
        "before a tick could call its clock breached); deadlines that passed meanwhile then "
        "fire once (`tests/integration/sla/test_sla_recovery.py`). That catch-up time is not "
        "in these figures.",
        "- The host is shared and small: figures move by tens of percent between runs "
        "(other processes compete for the 2 cores). Re-run the script to measure yours.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clocks", type=int, default=1_000_000, help="open clocks to load")
    parser.add_argument("--spread", type=int, default=2_000, help="clocks due in the window")
    parser.add_argument("--window", type=float, default=60.0, help="seconds of the window")
    parser.add_argument("--burst", type=int, default=10_000, help="clocks due at one instant")
    parser.add_argument("--rest", type=float, default=5.0,
                        help="seconds of API load at rest before the herd")
    parser.add_argument("--restart", type=int, default=100,
                        help="clocks falling due while the service is down (0: no restart)")
    parser.add_argument("--store", default="memory://",
                        help="the service's table store (memory://, rocksdb://)")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sla-bench-") as tmp:
        workdir = Path(tmp)
        stack = Stack(workdir)
        service: Service | None = None
        began = time.monotonic()
        try:
            stack.start()
            service = Service(stack, workdir, args.store)
            service.start()
            results = asyncio.run(bench(args, stack, service))
        finally:
            if service is not None:
                service.stop()
            stack.stop()
        text = report(args, results)
        print("\n" + text)
        print(f"(benchmark took {time.monotonic() - began:.0f} s)")
        for name, value in results["metrics"].items():
            print(f"  {name} {value:.3f}")
        if args.write_docs:
            write_section(SECTION, text)
            write_figures(figures(results))
            print(f"wrote {DOC} and {JSON_DOC}")


def per_clock_kib(r: dict, clocks: int) -> float:
    """The service's RSS growth per open clock while loading them, KiB."""
    return (r["memory_loaded"]["VmRSS"] - r["memory_empty"]["VmRSS"]) * 1024 / max(clocks, 1)


def figures(r: dict) -> list[dict]:
    """The machine-readable figures of one run (docs/performance.json)."""
    return [figure("sla.load.clocks_per_s", r["load"]["rate"], "clocks/s"),
            figure("sla.spread.p99", r["spread"]["p99"], "ms"),
            figure("sla.burst.p99", r["burst"]["p99"], "ms"),
            figure("sla.burst.max", r["burst"]["max"], "ms"),
            figure("sla.rss_loaded", r["memory_loaded"]["VmRSS"], "MiB"),
            figure("sla.rss_per_clock", per_clock_kib(r, r["load"]["clocks"]), "KiB"),
            figure("sla.api.rest.p99", r["api"]["rest"]["p99"], "ms"),
            figure("sla.api.herd.p99", r["api"]["herd"]["p99"], "ms",
                   baseline=r["api"]["rest"]["p99"]),
            *([figure("sla.recovery.first_s", r["recovery"]["first_s"], "s"),
               figure("sla.recovery.ready_s", r["recovery"]["ready_s"], "s")]
              if "recovery" in r else [])]


if __name__ == "__main__":
    main()
