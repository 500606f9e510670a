"""The console's page times with many open cases (issue 14: p95 <= 150 ms at 1,000).

Starts Kafka, Redis, the four services and the console (as `audiensi up` does), registers
N letter cases (a tenth of them disposed to rehsos), waits until reporting has them all,
then signs in to the console as the Head of Office, a division head, the ops team and an
analyst and requests each one's pages R times, one at a time, reading the console's
`Server-Timing` (the page's server time, the services' answers included).

    .venv/bin/python bench/console_bench.py [--cases 1000] [--requests 40] [--write-doc]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import figure, write_figures, write_section  # noqa: E402
from stack.kafka import KafkaServer  # noqa: E402
from stack.proc import free_port  # noqa: E402
from stack.redis import RedisServer  # noqa: E402
from stack.supervisor import CONSOLE, SERVICES, Supervisor, default_specs  # noqa: E402

STACK = (*SERVICES, CONSOLE)  # the console and the four services it calls

HEADING = "## Console page times"
TARGET_MS = 150.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))]


async def seed(urls: dict[str, str], cases: int) -> list[str]:
    from tests.support.auth import auth

    headers = {u: auth(u) for u in ("sekretariat", "kadis")}
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=60) as http:
        async def one(n: int) -> str:
            async with gate:
                r = await http.post(urls["intake"] + "/requests", headers={
                    **headers["sekretariat"], "Idempotency-Key": str(uuid.uuid4())}, json={
                    "channel": "letter", "applicant": {"name": f"Pemohon {n}"},
                    "purpose": "Audiensi", "form": {"subject": f"Bantuan {n}",
                                                    "participants": 2},
                    "letter": {"number": f"B-{uuid.uuid4().hex[:8]}",
                               "dated": str(date.today()), "addressed_to": "Kepala Dinas",
                               "sender": "Desa"}})
                r.raise_for_status()
                return r.json()["case_id"]

        ids = await asyncio.gather(*(one(n) for n in range(cases)))
        for case_id in ids[: cases // 10]:
            for _ in range(300):  # disposition may not have read the new case yet
                r = await http.post(urls["disposition"] + f"/cases/{case_id}/disposition",
                                    headers={**headers["kadis"],
                                             "Idempotency-Key": str(uuid.uuid4())},
                                    json={"division": "rehsos", "instructions": "tindak"})
                if r.status_code != 404:
                    r.raise_for_status()
                    break
                await asyncio.sleep(0.05)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # every case in reporting's model
            r = await http.get(urls["reporting"] + "/queues/mine", headers=headers["kadis"],
                               params={"limit": 1})
            counts = {q["queue"]: q["count"] for q in r.json()["queues"]}
            if counts.get("to_dispose", 0) >= cases - cases // 10:
                return list(ids)
            await asyncio.sleep(0.5)
    raise TimeoutError("reporting did not catch up")


def sign_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/masuk").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/masuk", data={"username": user, "password": "audiensi",
                                    "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/", (user, r.status_code)
    return client


def measure(base: str, case_id: str, requests: int) -> dict[str, list[float]]:
    pages = [("home, Head of Office", "kadis", "/"),
             ("case page, Head of Office", "kadis", f"/kasus/{case_id}"),
             ("home, division head", "kabid-rehsos", "/"),
             ("escalation board, ops", "ops", "/papan"),
             ("dashboard, analyst", "analis", "/dasbor")]
    out: dict[str, list[float]] = {}
    clients: dict[str, httpx.Client] = {}
    for label, user, path in pages:
        client = clients.get(user) or clients.setdefault(user, sign_in(base, user))
        times = out.setdefault(label, [])
        for _ in range(requests):
            r = client.get(path)
            assert r.status_code == 200, (user, path, r.status_code)
            times.append(float(r.headers["server-timing"].split("dur=")[1]))
    for client in clients.values():
        client.close()
    return out


def render(res: dict[str, list[float]], cases: int, requests: int) -> str:
    rows = [f"| {name} | {len(v)} | {pct(v, 50):.1f} | {pct(v, 95):.1f} | {max(v):.1f} |"
            for name, v in res.items()]
    return "\n".join([
        HEADING, "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `.venv/bin/python bench/console_bench.py "
        f"--cases {cases} --requests {requests}` on this machine (2 cores shared with other "
        "work; Kafka with SASL, Redis, the four services, the console and the client on the "
        f"same host). {cases} open letter cases ({cases // 10} disposed to rehsos); each page "
        f"requested {requests} times, one at a time, signed in; the console's `Server-Timing` "
        "(its time for the page, the services' answers included). Milliseconds:", "",
        "| page | n | p50 | p95 | max |", "|---|---:|---:|---:|---:|", *rows, "",
        f"Target (issue 14): p95 <= {TARGET_MS:.0f} ms with 1,000 open cases. A home page "
        "asks reporting for `GET /queues/mine` (100 items per queue); a case page reporting's "
        "case file and disposition's case; the dashboard four statistics; the board sla's "
        "escalations twice and its clock counts (`GET /clocks/counts`; listing every open "
        "clock instead gave a p95 of 532 ms).", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audiensi-console-bench-") as tmp:
        data = Path(tmp)
        kafka, redis = KafkaServer(data, free_port(), free_port()), RedisServer(data, free_port())
        redis.start()
        kafka.start(timeout=180)
        sup = Supervisor(default_specs({n: free_port() for n in STACK}, STACK), data, env={
            "AUDIENSI_KAFKA_BOOTSTRAP": kafka.bootstrap, "AUDIENSI_REDIS_URL": redis.url,
            **redis.signin_env(), "AUDIENSI_DATA_DIR": str(data), **kafka.signin_env()})
        try:
            sup.start_all()
            sup.wait_ready(timeout=180)
            os.environ.update(AUDIENSI_DATA_DIR=str(data), **kafka.signin_env())
            from chassis.settings import get_settings

            get_settings.cache_clear()
            ids = asyncio.run(seed({n: sup.url(n) for n in STACK}, args.cases))
            res = measure(sup.url("console"), ids[-1], args.requests)
        finally:
            sup.stop_all()
            kafka.stop()
            redis.stop()
    section = render(res, args.cases, args.requests)
    print(section)
    if args.write_doc:
        write_section(HEADING, section)
        write_figures([figure("console.page_p95_ms." + re.sub(r"\W+", "_", name).strip("_"),
                              pct(v, 95), "ms") for name, v in res.items()])


if __name__ == "__main__":
    main()
