"""`make bench`: run every benchmark against a Kafka and Redis of their own (loopback, temp
dir) and print the figures; `--write-docs` also updates docs/performance.md."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()

    from stack.kafka import KafkaServer
    from stack.proc import free_port
    from stack.redis import RedisServer

    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="audiensi-bench-") as tmp:
        kafka = KafkaServer(Path(tmp), free_port(), free_port())
        redis = RedisServer(Path(tmp), free_port())
        redis.start()
        kafka.start(timeout=180)
        env = {**os.environ, **kafka.signin_env()}  # the broker wants SASL: sign in as admin
        try:
            rep = [py, "bench/reporting_bench.py", "--bootstrap", kafka.bootstrap,
                   "--redis", redis.url]
            rep += ["--cases", "500", "--rounds", "1"] if args.quick else []
            rep += ["--write-doc"] if args.write_docs else []
            code = subprocess.call(rep, cwd=ROOT, env=env)
            fold = [py, "bench/fold_bench.py", "--bootstrap", kafka.bootstrap]
            fold += ["--events", "10000"] if args.quick else []
            fold += ["--write-doc"] if args.write_docs else []
            code = code or subprocess.call(fold, cwd=ROOT, env=env)
        finally:
            kafka.stop()
            redis.stop()
    cmd = [py, "bench/command_bench.py"] + (["--cases", "30"] if args.quick else [])
    cmd += ["--write-doc"] if args.write_docs else []
    code = code or subprocess.call(cmd, cwd=ROOT)
    docs = [py, "bench/documents_bench.py"] + (["--size", "50"] if args.quick else [])
    docs += ["--write-doc"] if args.write_docs else []
    code = code or subprocess.call(docs, cwd=ROOT)
    sla = [py, "bench/sla_bench.py"]
    sla += ["--clocks", "5000", "--spread", "200", "--burst", "200", "--window", "10"] \
        if args.quick else []
    sla += ["--write-docs"] if args.write_docs else []
    return code or subprocess.call(sla, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
