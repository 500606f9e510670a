"""A service's HTTP side in a unit test: its real FastAPI app, built but never started (the
lifespan, which connects to Kafka and Redis, only runs when a `TestClient` is entered as a
context manager), with the command bus swapped for `FakeBus` and the clock for a
`FixedClock` through `app.dependency_overrides`."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from chassis import deps
from chassis.clock import FixedClock
from chassis.commands import CommandMessage, Reply

#: 09:00 in Jakarta (WIB) on a working Monday
FIXED_NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class FakeBus:
    """Answers every command with `reply` and keeps what it was sent."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.sent: list[CommandMessage] = []

    async def ask(self, msg: CommandMessage) -> Reply:
        self.sent.append(msg)
        return self.reply


def fixed_clock(app: FastAPI, at: datetime = FIXED_NOW) -> FixedClock:
    clock = FixedClock(at)
    app.dependency_overrides[deps.clock] = lambda: clock
    return clock


def unstarted(app: FastAPI) -> TestClient:
    """A client that does not run the app's lifespan (never used as a context manager)."""
    return TestClient(app)
