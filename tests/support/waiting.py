"""Waiting in tests, in one place: poll until something holds (`eventually`), show that
something does NOT happen over a stretch of time (`stays_true_for`) instead of a fixed sleep
followed by one assertion, sleep until a given instant, and a free local port.

A probe may be sync or async (a callable returning an awaitable is awaited). An
AssertionError it raises means "not yet" for `eventually` and "broken" for `stays_true_for`.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

#: what a probe may raise meaning "not yet"
NOT_YET: tuple[type[BaseException], ...] = (AssertionError,)


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _describe(timeout: float, value: Any, error: BaseException | None) -> str:
    last = f"last error: {error!r}" if error is not None else f"last value: {value!r}"
    return f"not reached within {timeout}s; {last}"


async def eventually(probe: Callable[[], Any], accept: Callable[[Any], Any] = bool,
                     timeout: float = 20.0, every: float = 0.2,
                     retry_on: tuple[type[BaseException], ...] = NOT_YET) -> Any:
    """Call `probe()` (awaiting it if it returns an awaitable) until `accept(value)` is
    truthy and return that value. An exception in `retry_on` (AssertionError) raised by the
    probe counts as "not yet". At the deadline: AssertionError with the last value/error."""
    deadline = time.monotonic() + timeout
    while True:
        value, error = None, None
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            if accept(value):
                return value
        except retry_on as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(_describe(timeout, value, error)) from error
        await asyncio.sleep(min(every, max(deadline - time.monotonic(), 0)))


def eventually_sync(probe: Callable[[], T], accept: Callable[[T], Any] = bool,
                    timeout: float = 20.0, every: float = 0.2,
                    retry_on: tuple[type[BaseException], ...] = NOT_YET) -> T:
    """`eventually` for sync code (blocks with time.sleep between two probes)."""
    deadline = time.monotonic() + timeout
    while True:
        value, error = None, None
        try:
            value = probe()
            if accept(value):
                return value
        except retry_on as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(_describe(timeout, value, error)) from error
        time.sleep(min(every, max(deadline - time.monotonic(), 0)))


def _broken(seconds: float, elapsed: float, value: Any) -> AssertionError:
    return AssertionError(f"stopped holding after {elapsed:.2f}s of {seconds}s: {value!r}")


async def stays_true_for(seconds: float, probe: Callable[[], Any], every: float = 0.2) -> Any:
    """Check `probe()` (sync or async) again and again for `seconds`, the last time at or
    after the end: the first falsy value or AssertionError fails. Returns the last value."""
    start = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
        except AssertionError as exc:
            raise _broken(seconds, time.monotonic() - start, exc) from exc
        if not value:
            raise _broken(seconds, time.monotonic() - start, value)
        if now >= end:
            return value
        await asyncio.sleep(min(every, max(end - time.monotonic(), 0)))


def stays_true_for_sync(seconds: float, probe: Callable[[], Any], every: float = 0.2) -> Any:
    """`stays_true_for` for sync code."""
    start = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        try:
            value = probe()
        except AssertionError as exc:
            raise _broken(seconds, time.monotonic() - start, exc) from exc
        if not value:
            raise _broken(seconds, time.monotonic() - start, value)
        if now >= end:
            return value
        time.sleep(min(every, max(end - time.monotonic(), 0)))


async def sleep_until(instant: datetime) -> None:
    """Sleep until the wall-clock `instant` (aware datetime); at once if it has passed."""
    await asyncio.sleep(max((instant - datetime.now(UTC)).total_seconds(), 0))
