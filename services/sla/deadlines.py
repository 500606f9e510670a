"""The in-memory deadline index of one worker: which subject needs a tick next. Pure.

A heap of `(due, subject)` with lazy deletion (a subject's current entry is the one in
`_due`; older heap entries are skipped). `pop_due` hands out subjects whose due has come
and marks them *in flight* until the agent has applied the tick and `set`s their next
due; an in-flight subject not confirmed within `retry_after` seconds is handed out again,
unless its partition is still making progress (the agent confirmed another of its ticks
within `retry_after`: it is working through a herd in order, and a second tick of the same
subject would only add to its queue); `give_up_after` (6 x `retry_after`) bounds that wait,
so a tick lost on a busy partition is still handed out again.
The index is a cache: it is rebuilt from the table whenever partitions are assigned.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime


class DeadlineIndex:
    def __init__(self, retry_after: float = 10.0, give_up_after: float | None = None) -> None:
        self.retry_after = retry_after
        self.give_up_after = give_up_after if give_up_after is not None else 6 * retry_after
        self._now = float("-inf")  # the latest `now` of `pop_due`
        self._progress: dict[int, float] = {}  # partition -> when a tick of it was confirmed
        self._heap: list[tuple[float, str]] = []
        self._due: dict[str, tuple[float, int]] = {}  # subject -> (due timestamp, partition)
        self._inflight: dict[str, tuple[float, int, float]] = {}  # + when it was handed out

    def __len__(self) -> int:
        return len(self._due) + len(self._inflight)

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    def due_of(self, subject: str) -> float | None:
        entry = self._due.get(subject) or self._inflight.get(subject)
        return entry[0] if entry else None

    def set(self, subject: str, partition: int, due: datetime | float | None) -> None:
        """The subject's next due (None: nothing to wait for); confirms an in-flight tick."""
        confirmed = self._inflight.pop(subject, None)
        if confirmed is not None:
            self._progress[confirmed[1]] = self._now
        if due is None:
            self._due.pop(subject, None)
            return
        ts = due.timestamp() if isinstance(due, datetime) else float(due)
        if self._due.get(subject) == (ts, partition):
            return
        self._due[subject] = (ts, partition)
        heapq.heappush(self._heap, (ts, subject))

    def pop_due(self, now: float, partitions: set[int] | None = None,
                limit: int = 10_000) -> list[tuple[str, int]]:
        """Subjects due at `now` (in due order) of `partitions` (None: any), now in flight."""
        self._now = now
        self._retry(now)
        out: list[tuple[str, int]] = []
        heap, due = self._heap, self._due
        while heap and heap[0][0] <= now and len(out) < limit:
            ts, subject = heapq.heappop(heap)
            entry = due.get(subject)
            if entry is None or entry[0] != ts:
                continue  # superseded
            if partitions is not None and entry[1] not in partitions:
                del due[subject]  # not ours any more
                continue
            del due[subject]
            self._inflight[subject] = (ts, entry[1], now)
            out.append((subject, entry[1]))
        return out

    def next_due(self) -> float | None:
        while self._heap:
            ts, subject = self._heap[0]
            entry = self._due.get(subject)
            if entry is not None and entry[0] == ts:
                return ts
            heapq.heappop(self._heap)
        return None

    def _retry(self, now: float) -> None:
        after, progress = self.retry_after, self._progress
        stale = [s for s, (_, p, sent) in self._inflight.items()
                 if now - sent >= after
                 and (now - max(sent, progress.get(p, sent)) >= after
                      or now - sent >= self.give_up_after)]
        for subject in stale:
            ts, partition, _ = self._inflight.pop(subject)
            self.set(subject, partition, ts)

    def rebuild(self, entries: Iterable[tuple[str, int, float | None]]) -> None:
        self.clear()
        for subject, partition, due in entries:
            if due is not None:
                self._due[subject] = (due, partition)
        self._heap = [(ts, s) for s, (ts, _) in self._due.items()]
        heapq.heapify(self._heap)

    def clear(self) -> None:
        self._progress.clear()
        self._heap.clear()
        self._due.clear()
        self._inflight.clear()
