"""Reporting benchmark: projection rebuild rate against aiokafka's raw consume rate on the same
broker, in one run; and the real latency of the escalation feed (produce -> SSE).

    .venv/bin/python bench/reporting_bench.py [--cases 4000] [--rounds 3] [--write-doc]

Uses AUDIENSI_KAFKA_BOOTSTRAP / AUDIENSI_REDIS_URL (default: the chassis settings). Works on
private topics (`bench-<id>.audiensi.*`, deleted at the end) and one Redis database
(--redis-db, flushed before and after), so it disturbs nothing else. Bounded: --time-limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.docs import DOC, figure, write_figures, write_section  # noqa: E402
from chassis.kafka import ensure_topics, new_admin, new_consumer, new_producer, source_partitions  # noqa: E402
from chassis.redis import make_redis  # noqa: E402
from chassis.settings import get_settings  # noqa: E402
from contracts import encode  # noqa: E402
from contracts.topics import DEADLETTER  # noqa: E402
from services.reporting import scenarios as sc  # noqa: E402
from services.reporting.config import SOURCE_TOPICS, ReportingSettings  # noqa: E402
from services.reporting.keys import Keys  # noqa: E402
from services.reporting.rebuild import Rebuilds  # noqa: E402
from services.reporting.store import Store  # noqa: E402
from services.reporting.workers import Pool, WorkerConfig  # noqa: E402

HEADING = "## Projection rebuild rate"


def with_db(url: str, db: int) -> str:
    return url.rstrip("/").rpartition("/")[0] + f"/{db}"


async def produce(bootstrap: str, records: list[tuple[str, bytes, bytes]]) -> float:
    producer = new_producer(bootstrap_servers=bootstrap, acks="all",
                                enable_idempotence=True, linger_ms=5,
                                max_batch_size=256 * 1024)
    await producer.start()
    start = time.perf_counter()
    try:
        futures = [await producer.send(t, key=k, value=v) for t, k, v in records]
        for fut in futures:
            await fut
    finally:
        await producer.stop()
    return time.perf_counter() - start


async def raw_consume(bootstrap: str, topics: list[str]) -> tuple[int, int, float]:
    """Every record of `topics` from offset 0 to the end: (records, bytes, seconds)."""
    consumer = new_consumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = await source_partitions(consumer, topics)
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        start = time.perf_counter()
        await consumer.seek_to_beginning(*tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        n = size = 0
        while remaining:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            for tp, records in batch.items():
                n += len(records)
                size += sum(len(r.value) for r in records)
                if records[-1].offset >= ends[tp] - 1:
                    remaining.discard(tp)
        return n, size, time.perf_counter() - start
    finally:
        await consumer.stop()


def new_pool(redis_url: str, workers: int) -> Pool:
    return Pool(WorkerConfig(redis_url=redis_url, key_prefix="rm", timezone="Asia/Jakarta"),
                workers)


class Lent:
    """A started pool lent to one rebuild or live projector: their stop leaves it running
    (one pool serves both runs of a round, as a service keeps its workers)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def start(self) -> None:
        await self.pool.start()

    async def apply(self, records, versions, escalations=False):
        return await self.pool.apply(records, versions, escalations)

    async def stop(self) -> None:
        return None


async def rebuild_once(redis, bootstrap: str, topics: list[str], pool: Pool | None = None
                       ) -> dict:
    """One rebuild from offset 0; with `pool` (started: a service keeps its rebuild
    workers after the first rebuild), its batches go to those projection processes."""
    keys = Keys("rm")
    store = Store(redis, keys, ZoneInfo("Asia/Jakarta"))
    rebuilds = Rebuilds(redis=redis, store=store, keys=keys, bootstrap=bootstrap, topics=topics,
                        partitions=6, grace=0.0, batch_max=ReportingSettings().rebuild_batch_max,
                        applier=(lambda: Lent(pool)) if pool else None)
    start = time.perf_counter()
    await rebuilds.start("bench")
    await rebuilds.wait()
    wall = time.perf_counter() - start
    st = await rebuilds.status()
    await rebuilds.stop()
    assert st["state"] == "done", st
    return {**st, "wall": wall}


async def live_once(redis, bootstrap: str, topics: list[str], prefix: str, n: int,
                    pool: Pool | None = None) -> dict:
    """The live projector (a fresh consumer group, from offset 0) until it has applied all
    `n` events: what a worker does when it catches up on a backlog. With `pool` (started
    before the clock runs), its batches are applied by those projection processes."""
    from services.reporting.feed import Feed
    from services.reporting.projector import LiveProjector

    keys = Keys("rm")
    store = Store(redis, keys, ZoneInfo("Asia/Jakarta"))
    say("live: registering")
    await store.register(1, 6)
    await redis.set(keys.current, 1)

    async def heal(partition: int) -> None:
        await store.register(1, 6)

    projector = LiveProjector(bootstrap=bootstrap, topics=topics,
                              group_id=f"{prefix}live-{uuid.uuid4().hex[:6]}",
                              deadletter_topic=prefix + DEADLETTER, store=store,
                              feed=Feed(redis, keys, 10_000), heal=heal,
                              batch_max=ReportingSettings().batch_max,
                              applier=Lent(pool) if pool else None)
    say("live projector starting")
    await asyncio.wait_for(projector.start(), 120)
    say("live projector started")
    deadline = time.monotonic() + 300
    try:
        while not projector.assignment():
            if time.monotonic() > deadline:
                raise RuntimeError("live projector: no partitions assigned in 300 s")
            await asyncio.sleep(0.01)
        start = time.perf_counter()
        while projector.counts["applied"] + projector.counts["duplicates"] < n:
            if not projector.healthy:
                raise RuntimeError(f"live projector stopped: {projector.last_error} "
                                   f"{projector.task.exception()!r}")
            if projector.counts["deadlettered"]:
                raise RuntimeError(f"live projector dead-lettered "
                                   f"{projector.counts['deadlettered']} synthetic events")
            if time.monotonic() > deadline:
                raise RuntimeError(f"live projector: {projector.counts} of {n} in 300 s")
            await asyncio.sleep(0.005)
        seconds = time.perf_counter() - start
    finally:
        await asyncio.wait_for(projector.stop(), 30)
    return {"total": n, "seconds": seconds, **projector.counts}


async def sse_latency(bootstrap: str, redis_url: str, prefix: str, samples: int) -> list[float]:
    """Start the service (a real process) on the bench topics; produce escalating cases one
    by one; time from the produce call to the SSE event at a client."""
    from tests.support.auth import auth
    from tests.support.services import ServiceProcess

    env = {"AUDIENSI_KAFKA_BOOTSTRAP": bootstrap, "AUDIENSI_REDIS_URL": redis_url,
           "AUDIENSI_REPORTING_TOPICS": ",".join(prefix + t for t in SOURCE_TOPICS),
           "AUDIENSI_REPORTING_DEADLETTER_TOPIC": prefix + DEADLETTER,
           "AUDIENSI_REPORTING_GROUP_ID": prefix + "reporting",
           # private topics are outside the ACLs: the service signs in as the bench does
           "AUDIENSI_KAFKA_PRINCIPAL": os.environ.get("AUDIENSI_KAFKA_PRINCIPAL", "admin")}
    proc = ServiceProcess("reporting", env, Path("/tmp") / "audiensi-bench").start(timeout=300)
    await caught_up(proc.url, auth("admin"), time.monotonic() + 120)
    latencies: list[float] = []
    producer = new_producer(bootstrap_servers=bootstrap, acks="all",
                                enable_idempotence=True)
    await producer.start()
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client:
            headers = {**auth("ops"), "Accept": "text/event-stream"}
            async with client.stream("GET", proc.url + "/escalations/stream",
                                     headers=headers) as resp:
                lines = resp.aiter_lines()
                for k in range(samples):
                    case = f"bench-esc-{k}"
                    envs = [e for e in sc.letter_case(case, at=datetime.now(UTC), n=k,
                                                      until="assigned", breach=True)
                            if e.type == "EscalationRaised"][:1]
                    sent = time.perf_counter()
                    for e in envs:
                        await producer.send_and_wait(prefix + e.topic, key=case.encode(),
                                                     value=encode(e))
                    async for line in lines:
                        if line.startswith("data:") and json.loads(line[5:])["case_id"] == case:
                            latencies.append(time.perf_counter() - sent)
                            break
                    await asyncio.sleep(0.05)
    finally:
        await producer.stop()
        proc.stop()
    return latencies


async def caught_up(url: str, headers: dict, deadline: float) -> None:
    """Wait until the live projector has worked through the backlog (it starts at offset 0)."""
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            st = (await client.get(url + "/admin/projections", headers=headers)).json()
            live = st["live"]
            if live["applied"] + live["duplicates"] >= st["rebuild"].get("total", 0) > 0:
                return
            await asyncio.sleep(0.2)


def cpu_breakdown(raw: list[bytes]) -> dict[str, float]:
    """Events/s of each CPU stage alone, in this process (no Kafka, no Redis)."""
    from contracts import decode
    from contracts.fastcodec import read
    from services.reporting.facts import entry_of
    from services.reporting.projection import Item, project

    t = time.perf_counter()
    envs = [decode(r) for r in raw]
    t_decode = time.perf_counter() - t
    t = time.perf_counter()
    envs = [read(r) for r in raw]
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    items = [Item(subject=e.subject, entry=entry_of(e, e.topic)) for e in envs]
    t_facts = time.perf_counter() - t
    tz, docs = ZoneInfo("Asia/Jakarta"), {}
    t = time.perf_counter()
    for k in range(0, len(items), 5000):
        out = project(docs, items[k:k + 5000], tz)
        docs.update(out.docs)
        for doc in out.docs.values():
            doc.dumps()
    t_project = time.perf_counter() - t
    n = len(raw)
    return {"decode": n / t_decode, "read": n / t_read, "facts": n / t_facts,
            "project": n / t_project}


def say(text: str) -> None:
    print(f"reporting bench: {text}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(p / 100 * len(s)) - 1))]


async def main(args: argparse.Namespace) -> tuple[str, list[dict]]:
    settings = get_settings()
    bootstrap = args.bootstrap or settings.kafka_bootstrap
    redis_url = with_db(args.redis or settings.redis_url, args.redis_db)
    prefix = f"bench-{uuid.uuid4().hex[:6]}."
    topics = [prefix + t for t in SOURCE_TOPICS]
    await ensure_topics(bootstrap, {t: 6 for t in [*topics, prefix + DEADLETTER]})
    redis = make_redis(redis_url)
    await redis.flushdb()
    deadline = time.monotonic() + args.time_limit
    load = os.getloadavg()
    try:
        envs = sc.population(args.cases, seed=1)
        records = [(prefix + e.topic, e.subject.encode(), encode(e)) for e in envs]
        produce_s = await produce(bootstrap, records)
        say(f"produced {len(records)} events in {produce_s:.1f} s")
        raw, rebuild, live, prebuild, plive, spawn = [], [], [], [], [], []
        for _ in range(args.rounds):
            if time.monotonic() > deadline:
                break
            raw.append(await raw_consume(bootstrap, topics))
            say("raw consume done")
            await redis.flushdb()
            rebuild.append(await rebuild_once(redis, bootstrap, topics))
            say("rebuild done")
            await redis.flushdb()
            live.append(await live_once(redis, bootstrap, topics, prefix, len(records)))
            say("live projector done")
            pool = new_pool(redis_url, args.workers)
            began = time.perf_counter()
            await pool.start()
            spawn.append(time.perf_counter() - began)
            try:
                await redis.flushdb()
                prebuild.append(await rebuild_once(redis, bootstrap, topics, pool))
                say(f"rebuild with {args.workers} projection workers done")
                await redis.flushdb()
                plive.append(await live_once(redis, bootstrap, topics, prefix, len(records),
                                             pool))
            finally:
                await pool.stop()
            say(f"live projector with {args.workers} projection workers done")
        runs = [cpu_breakdown([r[2] for r in records]) for _ in range(3)]
        cpu = {stage: max(run[stage] for run in runs) for stage in runs[0]}  # best of 3
        info = await redis.info("memory")
        keys = await redis.dbsize()
        latencies = (await sse_latency(bootstrap, redis_url, prefix, args.sse_samples)
                     if args.sse_samples and time.monotonic() < deadline else [])
    finally:
        await redis.flushdb()
        await redis.aclose()
        admin = new_admin(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([*topics, prefix + DEADLETTER])
        finally:
            await admin.close()
    n = raw[0][0]
    raw_rates = [r[0] / r[2] for r in raw]
    rb_rates = [r["total"] / r["seconds"] for r in rebuild]
    live_rates = [r["total"] / r["seconds"] for r in live]
    raw_rate, rb_rate = statistics.median(raw_rates), statistics.median(rb_rates)
    live_rate = statistics.median(live_rates)
    prb_rates = [r["total"] / r["seconds"] for r in prebuild]
    plive_rates = [r["total"] / r["seconds"] for r in plive]
    prb_rate, plive_rate = statistics.median(prb_rates), statistics.median(plive_rates)
    rs = ReportingSettings()
    kinds = {name: sum(1 for e in envs if e.topic == f"audiensi.{name}.v1") for name in
             ("intake", "complaints", "disposition", "sla", "escalations")}
    mix = ", ".join(f"{name} {count}" for name, count in kinds.items())
    w = args.workers

    def row(what: str, rate: float, rates: list[float]) -> str:
        return (f"| {what} | {rate:,.0f} | {rate / raw_rate:.1%} | "
                f"{', '.join(f'{r:,.0f}' for r in rates)} |")

    lines = [
        HEADING, "",
        f"Measured by `bench/reporting_bench.py` on {datetime.now(UTC):%Y-%m-%d} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"broker {bootstrap}, Redis {redis_url.rsplit('/', 1)[0]}; load average before "
        f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f}). "
        f"{args.cases} synthetic case histories = {n} events "
        f"({mix}), "
        f"{raw[0][1] / n:.0f} bytes each on average, 5 topics x 6 partitions; "
        f"median of {len(raw)} rounds, the five runs of a round one after the other.", "",
        "| measure | events/s | of raw consume | rounds (events/s) |", "|---|---:|---:|---|",
        row("raw aiokafka consume (getmany, no decoding)", raw_rate, raw_rates),
        row(f"projection rebuild, in one process (decode + apply + Redis MULTI/EXEC, to "
            f"switch; {rs.rebuild_batch_max:,} records per batch)", rb_rate, rb_rates),
        row(f"the same rebuild with {w} projection workers (`AUDIENSI_REPORTING_WORKERS`"
            f"={w}: a process per group of partitions; started before, as a service keeps "
            f"them after its first rebuild)", prb_rate, prb_rates),
        row(f"live projector catching up from offset 0, in one process (consumer group, "
            f"commit per batch of {rs.batch_max:,})", live_rate, live_rates),
        row(f"the same live projector with {w} projection workers (started before the "
            f"clock runs, as in a running service)", plive_rate, plive_rates), "",
        f"With {w} workers / in one process, same run: rebuild {prb_rate / rb_rate:.2f}x, "
        f"live projector {plive_rate / live_rate:.2f}x; starting the {w} workers took "
        f"{statistics.median(spawn):.1f} s (spawn, imports, a Redis client each; once per "
        f"service). Producing the events took "
        f"{produce_s:.1f} s ({n / produce_s:,.0f}/s, acks=all, idempotent). The built model: "
        f"{keys:,} Redis keys, used_memory {info['used_memory'] / 2**20:.1f} MiB.",
    ]
    lines += ["", f"Where a rebuild's time goes (each CPU stage alone, same process, no I/O, "
              f"best of 3): "
              f"`contracts.decode` (pydantic) {cpu['decode']:,.0f} events/s, "
              f"`contracts.fastcodec.read` (msgspec, the read path) {cpu['read']:,.0f}/s, "
              f"fact extraction "
              f"{cpu['facts']:,.0f}/s, in-memory projection + JSON of the documents "
              f"{cpu['project']:,.0f}/s. The rebuild runs these in one Python process "
              f"and adds the Redis round trips; raw consume does none of them.",
              "", f"What it means: the projection, not Kafka, bounds a rebuild; at the median "
              f"rate with {w} workers a million events (about "
              f"{1_000_000 / (n / args.cases):,.0f} case histories like these) replay in "
              f"{1_000_000 / max(rb_rate, prb_rate) / 60:.1f} minutes, while readers keep "
              f"using the previous version. The live projector runs the same code on the "
              f"(smaller) batches it fetches. Workers divide the CPU part, not the Kafka fetch "
              f"or the Redis server: on this machine they share its {os.cpu_count()} cores "
              f"with the broker, Redis and the service itself."]
    if latencies:
        lines += ["", f"Escalation feed latency (produce `EscalationRaised` -> SSE event at a "
                  f"client, service running as a process, {len(latencies)} samples): "
                  f"p50 {pct(latencies, 50) * 1000:.0f} ms, p95 {pct(latencies, 95) * 1000:.0f}"
                  f" ms, max {max(latencies) * 1000:.0f} ms."]
    figures = [
        figure("reporting.raw_consume", raw_rate, "events/s"),
        figure("reporting.rebuild", rb_rate, "events/s", raw_rate),
        figure("reporting.live_projector", live_rate, "events/s", raw_rate),
        figure("reporting.rebuild_workers", prb_rate, "events/s", raw_rate),
        figure("reporting.live_projector_workers", plive_rate, "events/s", raw_rate),
        figure("reporting.decode.pydantic", cpu["decode"], "events/s"),
        figure("reporting.decode.msgspec_read", cpu["read"], "events/s", cpu["decode"]),
        figure("reporting.facts", cpu["facts"], "events/s"),
        figure("reporting.project_and_json", cpu["project"], "events/s"),
    ]
    if latencies:
        figures.append(figure("reporting.escalation_feed_p95", pct(latencies, 95) * 1000, "ms"))
    return "\n".join(lines) + "\n", figures


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=4000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workers", type=int, default=2,
                   help="projection worker processes of the second rebuild and live run")
    p.add_argument("--sse-samples", type=int, default=30)
    p.add_argument("--bootstrap")
    p.add_argument("--redis")
    p.add_argument("--redis-db", type=int, default=15)
    p.add_argument("--time-limit", type=float, default=300.0)
    p.add_argument("--write-doc", action="store_true", help=f"replace '{HEADING}' in {DOC}")
    a = p.parse_args()
    out, figs = asyncio.run(main(a))
    print(out)
    if a.write_doc:
        write_section(HEADING, out)
        write_figures(figs)
