"""The waiting helpers of tests/support/waiting.py: they must fail when they should, or every
test built on them proves nothing."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.waiting import (
    eventually,
    eventually_sync,
    free_port,
    sleep_until,
    stays_true_for,
    stays_true_for_sync,
)


class Counter:
    """A probe whose n-th call returns values[n] (the last one from then on)."""

    def __init__(self, *values) -> None:
        self.values = list(values)
        self.calls = 0

    def __call__(self):
        value = self.values[min(self.calls, len(self.values) - 1)]
        self.calls += 1
        if isinstance(value, BaseException):
            raise value
        return value

    async def coro(self):
        return self()


def test_free_port_can_be_bound():
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


# -- eventually ---------------------------------------------------------------------------


async def test_eventually_returns_the_first_accepted_value():
    probe = Counter(0, 0, 7, 9)
    assert await eventually(probe, timeout=5, every=0.01) == 7
    assert probe.calls == 3


async def test_eventually_awaits_an_async_probe_and_uses_accept():
    probe = Counter(1, 2, 3, 4)
    assert await eventually(probe.coro, lambda v: v >= 3, timeout=5, every=0.01) == 3


async def test_eventually_awaits_a_lambda_returning_a_coroutine():
    probe = Counter([], [1])
    assert await eventually(lambda: probe.coro(), timeout=5, every=0.01) == [1]


async def test_eventually_raises_on_timeout_with_the_last_value():
    probe = Counter("a", "b", "c", "never-accepted")
    started = time.monotonic()
    with pytest.raises(AssertionError, match="never-accepted") as err:
        await eventually(probe, lambda v: v == "z", timeout=0.3, every=0.01)
    assert 0.3 <= time.monotonic() - started < 2
    assert "0.3s" in str(err.value)


async def test_eventually_treats_an_assertion_error_as_not_yet_and_reports_the_last():
    probe = Counter(AssertionError("first"), AssertionError("second"), "ok")
    assert await eventually(probe, timeout=5, every=0.01) == "ok"
    always = Counter(AssertionError("first"), AssertionError("still broken"))
    with pytest.raises(AssertionError, match="still broken") as err:
        await eventually(always, timeout=0.2, every=0.01)
    assert isinstance(err.value.__cause__, AssertionError)


async def test_eventually_lets_other_errors_through_at_once():
    probe = Counter(KeyError("boom"), "never reached")
    with pytest.raises(KeyError):
        await eventually(probe, timeout=5, every=0.01)
    assert probe.calls == 1


async def test_eventually_retries_on_the_errors_it_is_given():
    probe = Counter(KeyError("not there yet"), "there")
    assert await eventually(probe, timeout=5, every=0.01,
                            retry_on=(AssertionError, KeyError)) == "there"


async def test_eventually_probes_at_least_once_with_a_zero_timeout():
    assert await eventually(Counter("at once"), timeout=0) == "at once"
    with pytest.raises(AssertionError):
        await eventually(Counter(""), timeout=0)


def test_eventually_sync_returns_fails_and_retries_like_the_async_one():
    assert eventually_sync(Counter(None, AssertionError("x"), 5), timeout=5, every=0.01) == 5
    with pytest.raises(AssertionError, match="last value: 1"):
        eventually_sync(Counter(1), lambda v: v > 1, timeout=0.2, every=0.01)
    with pytest.raises(AssertionError, match="last error: AssertionError\\('nope'\\)"):
        eventually_sync(Counter(AssertionError("nope")), timeout=0.2, every=0.01)
    with pytest.raises(ValueError):
        eventually_sync(Counter(ValueError("bad")), timeout=5, every=0.01)


# -- stays_true_for -----------------------------------------------------------------------


async def test_stays_true_for_checks_for_the_whole_stretch():
    probe = Counter(True)
    started = time.monotonic()
    assert await stays_true_for(0.3, probe, every=0.05) is True
    assert time.monotonic() - started >= 0.3
    assert probe.calls >= 4  # not one look at the end: again and again


async def test_stays_true_for_fails_when_the_probe_turns_false_midway():
    probe = Counter(True, True, True, False, True)
    started = time.monotonic()
    with pytest.raises(AssertionError, match="stopped holding"):
        await stays_true_for(5, probe, every=0.01)
    assert time.monotonic() - started < 2, "fails at the first falsy value, not at the end"
    assert probe.calls == 4


async def test_stays_true_for_fails_on_an_assertion_error_of_an_async_probe():
    probe = Counter(1, AssertionError("a duplicate"), 1)
    with pytest.raises(AssertionError, match="a duplicate"):
        await stays_true_for(5, probe.coro, every=0.01)
    assert probe.calls == 2


async def test_stays_true_for_looks_once_more_at_the_end():
    t0 = time.monotonic()

    def false_from_the_end() -> bool:
        return time.monotonic() - t0 < 0.25

    with pytest.raises(AssertionError):
        await stays_true_for(0.25, false_from_the_end, every=10)


def test_stays_true_for_sync_passes_and_fails():
    assert stays_true_for_sync(0.1, Counter("yes"), every=0.02) == "yes"
    probe = Counter(True, 0)
    with pytest.raises(AssertionError, match="0"):
        stays_true_for_sync(5, probe, every=0.01)
    assert probe.calls == 2
    with pytest.raises(AssertionError, match="gone"):
        stays_true_for_sync(5, Counter(AssertionError("gone")), every=0.01)


# -- sleep_until --------------------------------------------------------------------------


async def test_sleep_until_waits_for_the_instant_and_not_for_a_past_one():
    target = datetime.now(UTC) + timedelta(seconds=0.2)
    await sleep_until(target)
    assert datetime.now(UTC) >= target - timedelta(milliseconds=5)  # clock granularity
    started = time.monotonic()
    await sleep_until(datetime.now(UTC) - timedelta(hours=1))
    assert time.monotonic() - started < 0.1
