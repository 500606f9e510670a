"""The paced mode of bench/command_bench.py as a locust run (issue 16: load generated the way
users do it): `--users` locust users walk letter cases through the command endpoints, each
paced by `constant_throughput(rate / users)` so that together they send about `--rate`
commands per second. Headless, through locust's library API, loopback only, bounded: it
stops after `--cases` cases or `--time-limit` seconds, whichever comes first.

Runs in a process of its own (locust patches the standard library for gevent, which must
not happen to the asyncio bench that starts it); prints one JSON object on its last line:
{"samples": {endpoint: [ms, ...]}, "rate": commands/s, "elapsed": s, "failures": n}.

    .venv/bin/python bench/command_locust.py --intake URL --disposition URL
                                             [--users 16] [--rate 100] [--cases 100]
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from locust import constant_throughput, task  # noqa: E402
from locust.contrib.fasthttp import FastHttpUser  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.command_steps import STEPS, USERS, request_body  # noqa: E402
from tests.support.auth import auth  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Budget:
    """The cases left to start (shared by every user of the run)."""

    def __init__(self, cases: int) -> None:
        self.left = cases

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def user_class(urls: dict[str, str], budget: Budget, per_user: float):
    headers = {u: auth(u) for u in USERS}

    class CaseWalker(FastHttpUser):
        """One letter case after the other: POST /requests, then the office's steps."""

        host = urls["intake"]
        wait_time = constant_throughput(per_user)

        def on_start(self) -> None:
            self.case_id: str | None = None
            self.step = 0

        def post(self, name: str, url: str, user: str, body: dict, retry_404: bool = False):
            hdrs = {**headers[user], "Idempotency-Key": str(uuid.uuid4())}
            for _ in range(40):  # disposition may not have read the new case yet
                with self.client.post(url, json=body, headers=hdrs, name=name,
                                      catch_response=True) as r:
                    if r.status_code == 404 and retry_404:
                        r.success()  # measured like any answer; asked again below
                        gevent.sleep(0.05)
                        continue
                    if r.status_code >= 400:
                        r.failure(f"{r.status_code}")
                        raise StopUser()
                    return r.json()
            raise StopUser()

        @task
        def next_command(self) -> None:
            if self.case_id is None:
                if not budget.take():
                    raise StopUser()
                got = self.post("POST /requests", urls["intake"] + "/requests", "sekretariat",
                                request_body())
                self.case_id, self.step = got["case_id"], 0
                return
            step, user, body = STEPS[self.step]
            self.post(f"POST /cases/{{id}}/{step}",
                      f"{urls['disposition']}/cases/{self.case_id}/{step}", user, body,
                      retry_404=self.step == 0)
            self.step += 1
            if self.step == len(STEPS):
                self.case_id = None

    return CaseWalker


def run(urls: dict[str, str], users: int, rate: float, cases: int, limit: float) -> dict:
    for url in urls.values():
        if urlsplit(url).hostname not in LOOPBACK:
            raise SystemExit(f"loopback only: {url}")
    budget = Budget(cases)
    env = Environment(user_classes=[user_class(urls, budget, rate / users)])
    samples: dict[str, list[float]] = defaultdict(list)
    failures = 0

    def on_request(name, response_time, exception=None, **_kw) -> None:
        nonlocal failures
        samples[name].append(response_time)
        failures += exception is not None

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    began = time.perf_counter()
    runner.start(users, spawn_rate=users * 10)
    deadline = began + limit
    gevent.sleep(0.5)
    while runner.user_count > 0 and time.perf_counter() < deadline:
        gevent.sleep(0.05)
    elapsed = time.perf_counter() - began
    runner.quit()
    total = sum(len(v) for v in samples.values())
    return {"samples": dict(samples), "rate": total / elapsed, "elapsed": elapsed,
            "failures": failures, "timed_out": time.perf_counter() >= deadline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intake", required=True)
    parser.add_argument("--disposition", required=True)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    out = run({"intake": args.intake, "disposition": args.disposition}, args.users, args.rate,
              args.cases, args.time_limit)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
