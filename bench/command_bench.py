"""HTTP command path latency: request -> owning agent -> events durable -> reply.

Starts Kafka, Redis, intake and disposition (as `audiensi up` does), then drives N letter
cases step by step, sequentially (latency), with C concurrent clients as fast as they can
(throughput), and with C locust users paced together at R commands/s (issue 16, P6:
16 clients at 100 commands/s, p99 <= 50 ms on every endpoint; `bench/command_locust.py`),
and reports p50/p95/p99/max per endpoint. `--profile` samples both services with py-spy
during the paced mode; `--compare OLD` first runs the same on another checkout's services
(a worktree of the old code), for ratios measured in one run.

    .venv/bin/python bench/command_bench.py [--cases 100] [--concurrency 16] [--rate 100]
                                            [--profile] [--compare OLD [--rounds N]]
                                            [--write-doc]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pyspy  # noqa: E402
from bench.command_probe import Probe  # noqa: E402
from bench.command_steps import STEPS, USERS, request_body  # noqa: E402
from bench.docs import figure, write_figures, write_section  # noqa: E402
from stack.kafka import KafkaServer  # noqa: E402
from stack.proc import free_port  # noqa: E402
from stack.redis import RedisServer  # noqa: E402
from stack.supervisor import Supervisor, default_specs  # noqa: E402
from tests.support.auth import auth  # noqa: E402

HEADING = "## Command path latency"
def slug(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_").lower()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Client:
    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.http = httpx.AsyncClient(timeout=30)
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.headers = {u: auth(u) for u in USERS}

    async def post(self, label: str, service: str, path: str, user: str, body: dict) -> dict:
        headers = {**self.headers[user], "Idempotency-Key": str(uuid.uuid4())}
        start = time.perf_counter()
        r = await self.http.post(self.urls[service] + path, json=body, headers=headers)
        self.samples[label].append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
        return r.json()

    async def case(self) -> None:
        req = await self.post("POST /requests", "intake", "/requests", "sekretariat",
                              request_body())
        for step, user, body in STEPS:
            for _ in range(40):  # disposition may not have read the new case yet
                try:
                    await self.post(f"POST /cases/{{id}}/{step}", "disposition",
                                    f"/cases/{req['case_id']}/{step}", user, body)
                    break
                except httpx.HTTPStatusError as exc:
                    if exc.response.status_code != 404:
                        raise
                    await asyncio.sleep(0.05)


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """Each process's CPU time so far (user + system, all threads; /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pid in pids.items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out[name] = (int(fields[11]) + int(fields[12])) / tick
    return out


def with_cpu(res: dict, pids: dict[str, int], before: dict[str, float]) -> dict:
    """`res` with the services' CPU milliseconds per command of the mode (the time a command
    costs the machine, less at the mercy of the other work on it than its latency)."""
    after = cpu_seconds(pids)
    total = sum(len(v) for v in res["samples"].values())
    return {**res, "cpu_ms": {name: (after[name] - before[name]) * 1000 / total
                              for name in pids}}


async def run_asyncio(urls: dict[str, str], cases: int, concurrency: int,
                      pids: dict[str, int]) -> dict:
    results = {}
    for mode, conc in (("sequential", 1), (f"{concurrency} concurrent clients", concurrency)):
        client = Client(urls)
        gate = asyncio.Semaphore(conc)

        async def one(client=client, gate=gate):
            async with gate:
                await client.case()

        cpu = cpu_seconds(pids)
        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(cases)))
        elapsed = time.perf_counter() - began
        total = sum(len(v) for v in client.samples.values())
        results[mode] = with_cpu({"samples": dict(client.samples), "rate": total / elapsed},
                                 pids, cpu)
        await client.http.aclose()
    return results


def run_locust(urls: dict[str, str], cases: int, users: int, rate: float) -> dict:
    """The paced mode: bench/command_locust.py in a process of its own (gevent)."""
    limit = max(60.0, 5 * cases * (len(STEPS) + 1) / rate)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "command_locust.py"), "--intake", urls["intake"],
         "--disposition", urls["disposition"], "--users", str(users), "--rate", str(rate),
         "--cases", str(cases), "--time-limit", str(limit)],
        capture_output=True, text=True, timeout=limit + 60, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"locust run failed ({out.returncode}): {out.stderr[-2000:]}")
    got = json.loads(out.stdout.strip().splitlines()[-1])
    if got["failures"] or got["timed_out"]:
        raise RuntimeError(f"locust run: {got['failures']} failures, "
                           f"timed out: {got['timed_out']}")
    return got


def paced_mode(users: int, rate: float) -> str:
    return f"{users} concurrent clients at {rate:g} commands/s (locust)"


@dataclass
class Run:
    """One stack's figures: per mode the samples and rate; where the paced mode's CPU went."""

    label: str
    results: dict
    profiles: dict[str, pyspy.Summary]
    profiled_s: float = 0.0


def services(names, root: Path | None) -> list:
    """The services' specs; with `root`, they run that checkout's code (old vs new)."""
    specs = default_specs({n: free_port() for n in names}, names)
    if root is not None:
        for spec in specs:
            spec.argv = ["/usr/bin/env", f"PYTHONPATH={root}", sys.executable, "-P", "-m",
                         f"services.{spec.service}"]
    return specs


def bench_stack(label: str, root: Path | None, args) -> Run:
    with tempfile.TemporaryDirectory(prefix="audiensi-cmd-bench-") as tmp:
        data = Path(tmp)
        kafka, redis = KafkaServer(data, free_port(), free_port()), RedisServer(data, free_port())
        redis.start()
        kafka.start(timeout=180)
        names = ("intake", "disposition")
        sup = Supervisor(services(names, root), data, env={
            "AUDIENSI_KAFKA_BOOTSTRAP": kafka.bootstrap, "AUDIENSI_REDIS_URL": redis.url,
            **redis.signin_env(), "AUDIENSI_DATA_DIR": str(data),
            **kafka.signin_env()})  # each its own principal
        try:
            sup.start_all()
            sup.wait_ready(timeout=180)
            os.environ.update(AUDIENSI_DATA_DIR=str(data))
            urls = {n: sup.url(n) for n in names}
            pids = {n: sup.procs[n].pid for n in names}
            probe = Probe(kafka.client_settings(), redis.url).start()  # connects meanwhile
            try:
                results = asyncio.run(run_asyncio(urls, args.cases, args.concurrency, pids))
                paced, profiles, profiled = paced_run(urls, pids, probe, data, args)
            finally:
                probe.stop()
            if probe.error is not None:
                raise RuntimeError(f"raw probe failed: {probe.error!r}")
            results[paced_mode(args.concurrency, args.rate)] = paced
        finally:
            sup.stop_all()
            kafka.stop()
            redis.stop()
    return Run(label, results, profiles, profiled)


def paced_run(urls: dict[str, str], pids: dict[str, int], probe: Probe, data: Path,
              args) -> tuple[dict, dict[str, pyspy.Summary], float]:
    """The paced mode (with py-spy on the services if asked) and the raw probes meanwhile."""
    profiles: dict[str, pyspy.Summary] = {}
    began = time.perf_counter()
    cpu = cpu_seconds(pids)
    with probe.recording():
        if args.profile:
            with pyspy.Profiles(pids, data / "profiles", PROFILE_RATE, gil=True) as prof:
                paced = run_locust(urls, args.cases, args.concurrency, args.rate)
            profiled = time.perf_counter() - began
            profiles = {n: pyspy.summary(prof.path(n)) for n in pids if prof.path(n).exists()}
        else:
            paced = run_locust(urls, args.cases, args.concurrency, args.rate)
            profiled = 0.0
    return (with_cpu({**paced, "raw": probe.samples}, pids, cpu), profiles, profiled)


PROFILE_RATE = 200  # py-spy samples per second
RAW_READING = ("Raw round trips on the same broker and Redis while the paced mode ran "
               "(`bench/command_probe.py`, one of each every 50 ms): a command's answer is "
               "about three such Kafka trips (the command, its fetch, its events) and up "
               "to six Redis trips in a row, so these say what the machine makes of each hop at "
               "that moment:")


def table(res: dict) -> list[str]:
    lines = ["| endpoint | n | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|"]
    for label, values in res["samples"].items():
        lines.append(f"| `{label}` | {len(values)} | {statistics.median(values):.1f} | "
                     f"{pct(values, 95):.1f} | {pct(values, 99):.1f} | {max(values):.1f} |")
    return lines


def render(run: Run, cases: int, old: Run | None, paced: tuple[int, float],
           rounds: list[str]) -> str:
    lines = [HEADING, "",
             f"Measured {datetime.now(UTC):%Y-%m-%d} with `.venv/bin/python "
             f"bench/command_bench.py` on this machine (2 cores shared with other work; Kafka, "
             f"Redis, intake, disposition and the clients on the same host). {cases} letter "
             "cases per mode; each command is answered only after its events are "
             "acknowledged by the broker (acks=all). The sequential and unpaced modes are "
             "asyncio clients (httpx); the paced mode is a headless locust run "
             "(`bench/command_locust.py`: FastHttpUser, `constant_throughput`, loopback, "
             "bounded by cases and time). Milliseconds, client-side, per endpoint:", ""]
    for mode, res in run.results.items():
        lines += [f"**{mode}** ({res['rate']:.0f} commands/s{cpu_note(res)})", "",
                  *table(res), ""]
        raw = {label: values for label, values in res.get("raw", {}).items() if values}
        if raw:
            lines += [RAW_READING, "", *table({"samples": raw}), ""]
    if old is not None:
        lines += compare(old, run) + rounds
    lines += [verdict(run, paced), ""]
    lines.append("Targets: p99 <= 50 ms at the front desk's pace (sequential, PITFALLS.md) and "
                 "with 16 clients at 100 commands/s (issue 16, P6). "
                 "The first disposition command on a case is sent a few milliseconds after "
                 "intake registered it and includes the time the disposition worker takes "
                 "to read the new case from `audiensi.intake.v1` (the command is retried "
                 "on 404 meanwhile; each try is a sample). Under concurrency the single "
                 "writer per partition applies the commands queued for different cases as one "
                 "batch with one produce flush (`chassis.batching`); commands of one case stay "
                 "in order, each is answered after its events are acknowledged.")
    return "\n".join(lines) + "\n"


def cpu_note(res: dict) -> str:
    cpu = res.get("cpu_ms")
    if not cpu:
        return ""
    each = ", ".join(f"{name} {ms:.1f}" for name, ms in cpu.items())
    return f"; CPU per command {sum(cpu.values()):.1f} ms: {each}"


def verdict(run: Run, paced: tuple[int, float]) -> str:
    """P6 as this run saw it: the paced mode's worst p99 and whether the pace was held."""
    users, rate = paced
    res = run.results[paced_mode(users, rate)]
    worst = max(pct(v, 99) for v in res["samples"].values())
    held = res["rate"] >= 0.9 * rate
    return (f"**P6 in this run: {'met' if held and worst <= 50 else 'not met'}** - worst "
            f"p99 of the paced mode {worst:.0f} ms (target 50 ms) at {res['rate']:.0f} of "
            f"the {rate:g} commands/s asked for"
            + ("" if held else "; the pace was not held (the locust users wait for each "
               "answer, and the shared machine did not carry the load), so the absolute "
               "figures say more about the machine than about the code: compare the ratios"))


def compare(old: Run, new: Run) -> list[str]:
    lines = ["**old vs new in this run** (old: the code of `--compare`, same machine, same "
             "sizes, run first; p99 in ms, ratio new/old)", "",
             "| mode | endpoint | old p99 | new p99 | ratio |", "|---|---|---:|---:|---:|"]
    for mode, res in new.results.items():
        before = old.results.get(mode, {}).get("samples", {})
        for label, values in res["samples"].items():
            if label in before:
                a, b = pct(before[label], 99), pct(values, 99)
                lines.append(f"| {mode} | `{label}` | {a:.1f} | {b:.1f} | {b / a:.2f} |")
        if mode in old.results:
            a, b = old.results[mode]["rate"], res["rate"]
            lines.append(f"| {mode} | commands/s | {a:.0f} | {b:.0f} | {b / a:.2f} |")
            if old.results[mode].get("cpu_ms") and res.get("cpu_ms"):
                a, b = sum(old.results[mode]["cpu_ms"].values()), sum(res["cpu_ms"].values())
                lines.append(f"| {mode} | CPU ms per command (both services) | {a:.1f} | "
                             f"{b:.1f} | {b / a:.2f} |")
    return lines + [""]


def render_profile(runs: list[Run], args) -> str:
    lines = [PROFILE_HEADING, "",
             f"Measured {datetime.now(UTC):%Y-%m-%d} with `.venv/bin/python "
             f"bench/command_bench.py --profile --compare OLD --cases {args.cases}`: "
             f"py-spy {PROFILE_RATE} Hz (`record --format raw --function --nonblocking "
             f"--gil`) on each service during the paced mode ({args.concurrency} locust "
             f"users, {args.rate:g} commands/s asked for), old code and new code in the same "
             "run. Only the thread holding the GIL is sampled, so the samples are Python's "
             "CPU (without `--gil` py-spy also counts a thread blocked in `select` or a "
             "`Condition.wait` as busy: the profiles of 2026-12-04 before this one were "
             "mostly such waiting). 'layer' charges a sample to the library of its "
             "innermost frame; 'own function' counts a sample for every own function on its "
             "stack (so they add up to more than 100 %).", "", *PROFILE_READING, ""]
    for run in runs:
        lines += [f"### {run.label}", ""]
        for name, s in run.profiles.items():
            lines += pyspy.render(name, s, run.profiled_s, PROFILE_RATE, gil=True)
    return "\n".join(lines) + "\n"


#: what the profiles and the CPU counters said (see the figures below and the CPU per command
#: in the section above)
PROFILE_READING = [
    "Where the milliseconds go (2026-12-04). The first profiles of the command path (without "
    "`--gil`) were mostly threads waiting in `select` and `Condition.wait`, and read as "
    "'own code under 2 %'; the CPU counters say otherwise: a command cost the two services "
    "6-24 ms of CPU (old code; more the busier the machine and the fewer commands per "
    "wake-up: CPU per command above and in the runs before), much of it on the HTTP side. "
    "FastAPI runs a plain `def` dependency in a worker thread, and every request "
    "had five or six of them (service context, clock, caller, role check, intake's runtime "
    "and bus): a hand-off there and back each (`Condition.notify` was a quarter of the "
    "disposition service's GIL samples); they are `async def` now (in-process, five such "
    "dependencies: 0.3-0.4x the CPU). The request metrics went through starlette's "
    "`BaseHTTPMiddleware` (a task group and memory streams per request): a plain ASGI "
    "middleware now (0.54x the CPU of a trivial request in-process). `POST /requests` "
    "sealed its texts in three hand-offs to a thread with two Redis round trips per text, "
    "and issued the status code in a fourth: one hand-off and two round trips now. The "
    "reply's pop goes to Redis while the broker takes the command. The writers: intake's "
    "registrar waited for the broker's ack of each request before taking the next; it "
    "applies what is queued as a batch with one flush now, as the disposition writer does "
    "(`chassis.batching`; the agenda numbers of a batch are taken in order, and a batch "
    "the process dies in takes the same numbers again: `services/intake/registrar.py`). "
    "What is left is the chain itself: about three Kafka and up to six Redis round trips "
    "in a row per command, on a machine whose raw round trips at that moment are in the "
    "table above.",
]


PROFILE_HEADING = "## Command path profile"


def describe_checkout(root: Path) -> str:
    got = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h %cs"],
                         capture_output=True, text=True)
    return f"commit {got.stdout.strip()}" if got.returncode == 0 else str(root)


def measures(run: Run) -> dict[tuple[str, str], float]:
    """(mode, measure) -> value: each endpoint's p99, the rate and the CPU per command."""
    out: dict[tuple[str, str], float] = {}
    for mode, res in run.results.items():
        for label, values in res["samples"].items():
            out[(mode, f"`{label}` p99 ms")] = pct(values, 99)
        out[(mode, "commands/s")] = res["rate"]
        if res.get("cpu_ms"):
            out[(mode, "CPU ms per command (both services)")] = sum(res["cpu_ms"].values())
    return out


def rounds_table(pairs: list[tuple[Run, Run]]) -> list[str]:
    """new/old of every measure in each round (old and new run one after the other), and
    their median: on a machine whose load moves by more than the change between two runs,
    the rounds say how far one pair can be trusted."""
    per = [(measures(o), measures(n)) for o, n in pairs]
    heads = " | ".join(f"round {i + 1}" for i in range(len(pairs)))
    lines = [f"**new/old, {len(pairs)} rounds** (each round: the old code's stack, then the "
             "new code's; ratio new/old; median over the rounds; docs/performance.json holds the "
             "medians of the values over the rounds)", "",
             f"| mode | measure | {heads} | median |",
             "|---|---|" + "---:|" * (len(pairs) + 1)]
    for key in per[-1][1]:
        ratios = [n[key] / o[key] for o, n in per if o.get(key) and key in n]
        if len(ratios) == len(pairs):
            cells = " | ".join(f"{r:.2f}" for r in ratios)
            lines.append(f"| {key[0]} | {key[1]} | {cells} | {statistics.median(ratios):.2f} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0,
                        help="commands/s of the paced mode (all clients together)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the services during the paced mode")
    parser.add_argument("--compare", type=Path, default=None, metavar="OLD_CHECKOUT",
                        help="first run the same modes on another checkout's services")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --compare: old then new, this many times")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    pairs: list[tuple[Run, Run]] = []
    for _ in range(args.rounds if args.compare else 1):
        old = bench_stack(f"old code ({describe_checkout(args.compare)})",
                          args.compare.resolve(), args) if args.compare else None
        new = bench_stack("new code (this checkout)", None, args)
        pairs.append((old, new))
    old, new = pairs[-1]
    section = render(new, args.cases, old, (args.concurrency, args.rate),
                     rounds_table(pairs) if old is not None and len(pairs) > 1 else [])
    print(section)
    runs = [r for r in (old, new) if r is not None and r.profiles]
    profile = render_profile(runs, args) if runs else ""
    print(profile)
    if args.write_doc:
        write_section(HEADING, section)
        if profile:
            write_section(PROFILE_HEADING, profile)
        news = [measures(n) for _, n in pairs]
        olds = [measures(o) for o, _ in pairs] if old is not None else []

        def median(of: list[dict], key) -> float | None:
            got = [m[key] for m in of if key in m]
            return statistics.median(got) if got else None

        names = {"commands/s": "rate", "CPU ms per command (both services)":
                 "cpu_ms_per_command"}
        write_figures([figure(f"command.{names.get(what, 'p99_ms')}.{slug(mode)}"
                              + ("" if what in names else f".{slug(what[1:].split('`')[0])}"),
                              median(news, (mode, what)),
                              "commands/s" if what == "commands/s" else "ms",
                              baseline=median(olds, (mode, what)))
                       for mode, what in news[-1]]
                      + [figure(f"command.raw_p99_ms.{slug(label)}", pct(values, 99), "ms")
                         for res in new.results.values()
                         for label, values in res.get("raw", {}).items() if values])


if __name__ == "__main__":
    main()
