"""The live path: the escalation feed over SSE (latency, Last-Event-ID resumption, division
scope, the CLI) and dead letters (a poison record does not stop the projector)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest

from contracts import decode, encode, envelope
from contracts.sla import EscalationRaised
from services.reporting import scenarios as sc
from stack.cli_reporting import parse_sse
from tests.support.auth import auth
from tests.support.kafka import read_raw
from tests.support.services import ROOT
from tests.support.waiting import eventually, stays_true_for

from .support import produce

pytestmark = pytest.mark.integration


def raised_case(case: str, division: str = "rehsos", n: int = 1) -> list:
    """A case whose inform clock is at risk then breached: two EscalationRaised."""
    return sc.letter_case(case, at=datetime.now(UTC), division=division, until="assigned",
                          breach=True, n=n)


class Sse:
    """An SSE subscription read in the background (as a browser's EventSource would)."""

    def __init__(self, url: str, user: str, last_id: str | None = None) -> None:
        headers = {**auth(user), "Accept": "text/event-stream"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(10, read=None))
        self.request = self.client.build_request("GET", url + "/escalations/stream",
                                                 headers=headers)
        self.events: list[tuple[float, dict]] = []
        self.ids: list[str] = []
        self.task: asyncio.Task | None = None
        self.open = asyncio.Event()

    async def _read(self) -> None:
        response = await self.client.send(self.request, stream=True)
        assert response.status_code == 200, await response.aread()
        self.open.set()
        lines: list[str] = []
        async for line in response.aiter_lines():
            lines.append(line)
            if line == "":
                for ev in parse_sse(lines):
                    self.ids.append(ev["id"])
                    self.events.append((time.monotonic(), json.loads(ev["data"])))
                lines = []

    async def __aenter__(self) -> Sse:
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.open.wait(), 10)
        return self

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.client.aclose()

    async def wait_for(self, predicate, timeout: float = 10.0) -> dict:
        def found() -> dict | None:
            for at, item in self.events:
                if predicate(item):
                    return item | {"_received": at}
            if self.task.done():
                self.task.result()
            return None

        try:
            return await eventually(found, timeout=timeout, every=0.02)
        except AssertionError as exc:
            raise AssertionError(f"no such event within {timeout}s ({exc}); "
                                 f"got {self.events}") from None


async def test_sse_delivers_a_raised_escalation_within_seconds(reporting):
    async with Sse(reporting.url, "ops") as sse:
        envs = raised_case("esc-live-1")
        sent = time.monotonic()
        await reporting.produce(envs)
        item = await sse.wait_for(lambda i: i["case_id"] == "esc-live-1"
                                  and i["type"] == "EscalationRaised", timeout=5)
    assert item["_received"] - sent < 5.0
    assert item["to_role"] == "division_head" and item["division"] == "rehsos"


async def test_an_idle_stream_stays_open_past_the_redis_socket_timeout(reporting):
    async with Sse(reporting.url, "ops") as sse:
        # redis-py times a socket out after 5 s (twice: retry): open all along, past both
        await stays_true_for(11, lambda: not sse.task.done())
        await reporting.produce(raised_case("esc-idle", n=9))
        await sse.wait_for(lambda i: i["case_id"] == "esc-idle", timeout=5)


async def test_sse_resumes_after_reconnect_with_last_event_id(reporting):
    async with Sse(reporting.url, "ops") as sse:
        await reporting.produce(raised_case("esc-resume-1", n=2))
        await sse.wait_for(lambda i: i["case_id"] == "esc-resume-1"
                           and i["type"] == "EscalationAcknowledged")
        last = sse.ids[-1]
    await reporting.produce(raised_case("esc-resume-2", n=3))  # while nobody listens
    await reporting.caught_up()
    async with Sse(reporting.url, "ops", last_id=last) as again:
        await again.wait_for(lambda i: i["case_id"] == "esc-resume-2" and i["level"] == 2)
        cases = [i["case_id"] for _, i in again.events]
    assert "esc-resume-1" not in cases  # nothing before the id is sent again
    assert cases.count("esc-resume-2") == 3  # raised L1, raised L2, acknowledged


async def test_a_division_head_gets_their_division_only(reporting):
    await reporting.produce(raised_case("esc-lin", "linjamsos", n=4)
                            + raised_case("esc-reh", "rehsos", n=5))
    await reporting.caught_up()
    # a last one of theirs, behind every other division's in the feed: once it is delivered,
    # anything of another division that leaked would have been delivered before it
    await reporting.produce(raised_case("esc-lin-last", "linjamsos", n=10))
    await reporting.caught_up()
    async with Sse(reporting.url, "kabid-linjamsos", last_id="0") as sse:
        await sse.wait_for(lambda i: i["case_id"] == "esc-lin")
        await sse.wait_for(lambda i: i["case_id"] == "esc-lin-last"
                           and i["type"] == "EscalationAcknowledged")
        assert {i["division"] for _, i in sse.events} == {"linjamsos"}


def to_secretariat(case: str, level: int = 1) -> list:
    """A registered request nobody disposed: the office target escalates to the secretariat
    (no division yet)."""
    now = datetime.now(UTC)
    clock = f"clock-{case}"
    raised = EscalationRaised(escalation_id=f"esc-{case}-{level}", clock_id=clock,
                              case_id=case, policy_id="dispose-request", level=level,
                              reason="breached", to_role="secretariat", due_at=now,
                              raised_at=now)
    return [*sc.letter_case(case, at=now, until="registered", n=level + 20),
            envelope(raised, source=sc.ESC, sequence=level, time=now)]


async def test_the_secretariat_gets_what_is_addressed_to_it_only(reporting):
    await reporting.produce(to_secretariat("esc-sek-1") + raised_case("esc-sek-kabid", n=11))
    await reporting.caught_up()
    await reporting.produce(to_secretariat("esc-sek-last"))  # behind everything else
    await reporting.caught_up()
    async with Sse(reporting.url, "sekretariat", last_id="0") as sse:
        await sse.wait_for(lambda i: i["case_id"] == "esc-sek-last")
        items = [i for _, i in sse.events]
    assert {i["case_id"] for i in items} == {"esc-sek-1", "esc-sek-last"}
    assert {(i["to_role"], i["division"]) for i in items} == {("secretariat", None)}


def test_cli_prints_the_feed(reporting):
    env = {**os.environ, "AUDIENSI_REPORTING_URL": reporting.url}
    out = subprocess.run([sys.executable, "-m", "stack.cli", "escalations", "--idle", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "ESKALASI" in out.stdout and "esc-live-1" in out.stdout


async def test_cli_follow_prints_new_escalations_live(reporting):
    env = {**os.environ, "AUDIENSI_REPORTING_URL": reporting.url, "AUDIENSI_LANG": "en"}
    proc = subprocess.Popen([sys.executable, "-m", "stack.cli", "escalations", "--follow"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = asyncio.create_task(asyncio.to_thread(_read_all, proc, lines))
    markers = iter(range(1, 100))

    def shown(needle: str) -> bool:
        if reader.done():
            raise RuntimeError(f"stream ended: {lines}")
        return any(needle in line for line in lines)

    async def marker_shown() -> bool:
        """A fresh escalation: printed once the CLI is connected (it starts from "now")."""
        await reporting.produce(raised_case(f"esc-cli-ready-{next(markers)}", n=60))
        return await eventually(lambda: shown("esc-cli-ready-"), timeout=2, every=0.05)

    try:
        await eventually(marker_shown, timeout=30, every=0)
        await reporting.produce(raised_case("esc-cli-follow", n=6))
        await eventually(lambda: shown("esc-cli-follow"), timeout=20, every=0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        await reader
    assert any("ESCALATION" in line for line in lines if "esc-cli-follow" in line)


def _read_all(proc: subprocess.Popen, lines: list[str]) -> None:
    for line in proc.stdout:
        lines.append(line)


async def test_poison_goes_to_the_dead_letter_topic_and_the_next_event_is_projected(reporting):
    good = sc.letter_case("after-poison", until="registered", n=7)
    wrong_key = encode(sc.letter_case("other-case", until="requested", n=8)[0])
    intake = reporting.topic("audiensi.intake.v1")
    await produce(reporting.bootstrap, [
        (intake, b"after-poison", b"\x00 this is not an event"),  # same partition as `good`
        (intake, b"after-poison", wrong_key),  # an event under someone else's key
        *[(reporting.topic(e.topic), e.subject.encode(), encode(e)) for e in good]])
    await reporting.caught_up()
    assert reporting.ok("/cases/after-poison")["status"] == "registered"
    letters = [decode(v).data for _, _, _, v in await read_raw(reporting.bootstrap,
                                                               reporting.deadletter)]
    mine = [d for d in letters if d.key == "after-poison"]
    assert len(mine) == 2  # each once, although the partition was fetched and committed
    by_payload = {base64.b64decode(d.payload): d for d in mine}
    junk = by_payload[b"\x00 this is not an event"]
    assert (junk.original_topic, junk.consumer) == (intake, "reporting")
    assert "not JSON" in junk.error
    assert "not the event subject" in by_payload[wrong_key].error
    assert reporting.get("/cases/other-case").status_code == 404
