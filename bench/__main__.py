"""`make bench`: run every benchmark and print the figures; `--write-docs` also updates
docs/performance.md and docs/performance.json. `--quick` (`make bench-quick`, run by the
test suite's bench lane) runs each at small sizes, so that none can rot unnoticed.

The projection and fold benchmarks share a Kafka and Redis of their own (loopback, temp dir);
the others start their stack themselves. Each benchmark runs as its own process with a time
limit; the first failure is the exit code, after the rest have run."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    quick: tuple[str, ...]  # arguments of the quick lane
    write: str = "--write-doc"  # the script's flag that updates the docs
    shared_stack: bool = False  # takes --bootstrap (and --redis) of the shared broker
    limit: float = 1800.0  # seconds, full size
    quick_limit: float = 300.0


BENCHES = (
    Bench("reporting", "bench/reporting_bench.py", ("--cases", "100", "--rounds", "1"),
          shared_stack=True),
    Bench("fold", "bench/fold_bench.py", ("--events", "5000"), shared_stack=True),
    Bench("command", "bench/command_bench.py", ("--cases", "15",)),
    Bench("queue", "bench/queue_bench.py", ("--cases", "5", "--raw", "50")),
    Bench("documents", "bench/documents_bench.py", ("--size", "20",)),
    Bench("console", "bench/console_bench.py", ("--cases", "20", "--requests", "3")),
    Bench("sla", "bench/sla_bench.py",
          ("--clocks", "1000", "--spread", "50", "--burst", "50", "--window", "3",
           "--rest", "2", "--restart", "0"),
          write="--write-docs", limit=3600.0),
)


def command(bench: Bench, quick: bool, write_docs: bool, stack: dict[str, str]) -> list[str]:
    cmd = [sys.executable, bench.script]
    if bench.shared_stack:
        cmd += ["--bootstrap", stack["bootstrap"]]
        if bench.name == "reporting":
            cmd += ["--redis", stack["redis"]]
    cmd += list(bench.quick) if quick else []
    cmd += [bench.write] if write_docs else []
    return cmd


def run_all(benches, quick: bool, write_docs: bool) -> dict[str, int]:
    from stack.kafka import KafkaServer
    from stack.proc import free_port
    from stack.redis import RedisServer

    codes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="audiensi-bench-") as tmp:
        kafka = redis = None
        stack: dict[str, str] = {}
        env = dict(os.environ)
        if any(b.shared_stack for b in benches):
            kafka = KafkaServer(Path(tmp), free_port(), free_port())
            redis = RedisServer(Path(tmp), free_port())
            redis.start()
            kafka.start(timeout=180)
            stack = {"bootstrap": kafka.bootstrap, "redis": redis.url}
        try:
            for bench in benches:
                run_env = {**env, **kafka.signin_env()} if bench.shared_stack else env
                began = time.monotonic()
                print(f"== bench {bench.name}", flush=True)
                try:
                    codes[bench.name] = subprocess.call(
                        command(bench, quick, write_docs, stack), cwd=ROOT, env=run_env,
                        timeout=bench.quick_limit if quick else bench.limit)
                except subprocess.TimeoutExpired:
                    codes[bench.name] = 124
                print(f"== bench {bench.name}: exit {codes[bench.name]} after "
                      f"{time.monotonic() - began:.0f} s", flush=True)
        finally:
            if kafka is not None:
                kafka.stop()
            if redis is not None:
                redis.stop()
    return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help=f"run only these ({', '.join(b.name for b in BENCHES)})")
    args = parser.parse_args()
    benches = [b for b in BENCHES if args.only is None or b.name in args.only]
    codes = run_all(benches, args.quick, args.write_docs)
    failed = {name: code for name, code in codes.items() if code}
    print("benchmarks: " + ", ".join(f"{n} {'ok' if not c else f'exit {c}'}"
                                     for n, c in codes.items()), flush=True)
    return next(iter(failed.values()), 0)


if __name__ == "__main__":
    raise SystemExit(main())
