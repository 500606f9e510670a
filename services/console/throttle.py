"""Repeated failed sign-ins are slowed down, per username. Pure (the caller gives the time).

The first `free` failures cost nothing; each further one closes the username for
`base * 2**k` seconds (capped at `cap`): an attempt while closed is refused without checking
the password. A success forgets the username. Kept in the console's memory: one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: int = 0
    closed_until: float = 0.0


@dataclass
class Backoff:
    free: int = 3
    base: float = 1.0
    cap: float = 300.0
    max_names: int = 10_000  # a flood of made-up names cannot grow it without bound
    _records: dict[str, _Record] = field(default_factory=dict)

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().lower()

    def wait(self, username: str, now: float) -> float:
        """Seconds until `username` may try again (0: now)."""
        record = self._records.get(self._key(username))
        return max(0.0, record.closed_until - now) if record else 0.0

    def failed(self, username: str, now: float) -> float:
        """Record a failure; the seconds the username is now closed for."""
        key = self._key(username)
        if key not in self._records and len(self._records) >= self.max_names:
            self._records.pop(next(iter(self._records)))
        record = self._records.setdefault(key, _Record())
        record.failures += 1
        extra = record.failures - self.free
        delay = 0.0 if extra <= 0 else min(self.cap, self.base * 2 ** (extra - 1))
        record.closed_until = now + delay
        return delay

    def succeeded(self, username: str) -> None:
        self._records.pop(self._key(username), None)
