"""Projection workers: the CPU part of a batch (decode, facts, projection, JSON, the Redis
transactions) in processes of their own, one per group of Kafka partitions, so a projection
uses more than one core (the GIL binds one process to one).

The consumer stays in the calling process (the live projector's group membership and
commits, the rebuild's offsets); it hands each worker the raw records of its partitions
(`partition % workers`) and waits for every worker's outcome before it commits or counts
the batch. A worker runs `applying.InProcess` on its own Redis client, so the guarantees
are the store's: one transaction per partition and batch, idempotent, order-independent.
Partitions never share a key (every key carries its partition's hash tag), so workers never
touch the same key and the model is the one a single process builds.

A worker that dies fails the batch it was given (`WorkerDied`): the live projector applies
the batch again on a fresh worker (a replay is harmless), a rebuild fails (the live version
stays as it was). Workers are started with `spawn` (no fork of an event loop and its
threads); they read the service's settings from the environment they inherit.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from .applying import BatchOutcome, InProcess
from .projection import Item
from .store import NoTargets


class WorkerDied(RuntimeError):
    """A projection worker process ended while it held a batch."""


class Rec(NamedTuple):
    """What a worker gets of a Kafka record (all that `records.item_of` and a dead letter
    read), plus its place in the caller's batch."""

    index: int
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class WorkerConfig:
    """How a worker builds its store (picklable: it crosses into the new process)."""

    redis_url: str
    key_prefix: str = "rm"
    timezone: str = "Asia/Jakarta"
    #: open the key store (`chassis.keystore.open_keystore` of the inherited settings) for
    #: the blind name terms; needs a shared key store (not memory://)
    personal: bool = False


def _build_store(config: WorkerConfig):
    from chassis.redis import make_redis
    from chassis.settings import get_settings

    from .keys import Keys
    from .store import Store

    personal = None
    if config.personal:
        from chassis.keystore import open_keystore
        from chassis.sealing import Sealer

        from .personal import Personal

        personal = Personal(Sealer(open_keystore(get_settings())))
    return Store(make_redis(config.redis_url), Keys(config.key_prefix),
                 ZoneInfo(config.timezone), personal)


async def _serve(conn, config: WorkerConfig) -> None:
    from chassis.redis import close

    store = _build_store(config)
    applier = InProcess(store)
    conn.send(("ready",))
    try:
        while True:
            request = await asyncio.to_thread(conn.recv)
            if request is None:
                return
            versions, recs, escalations = request
            try:
                out = await applier.apply([Rec(*r) for r in recs], versions, escalations)
            except NoTargets as exc:
                conn.send(("no_targets", exc.partition))
                continue
            except Exception as exc:  # noqa: BLE001 - the caller decides (retry or fail)
                conn.send(("error", repr(exc)))
                continue
            conn.send(("ok", out.applied, out.duplicates,
                       [(rec.index, why) for rec, why in out.poison],
                       [(item.ref.index, item.subject, item.entry, view)
                        for item, view in out.escalations]))
    finally:
        with contextlib.suppress(Exception):
            await close(store.redis)


def worker_main(conn, config: WorkerConfig) -> None:
    """A worker process's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it (None, then kill)
    asyncio.run(_serve(conn, config))


class Pool:
    """`workers` projection processes; the applier of `applying` across them."""

    def __init__(self, config: WorkerConfig, workers: int) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.config = config
        self.workers = workers
        self._procs: list[Any] = [None] * workers
        self._conns: list[Any] = [None] * workers
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = asyncio.Lock()

    @property
    def pids(self) -> list[int | None]:
        return [p.pid if p is not None else None for p in self._procs]

    def _spawn(self, i: int) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=worker_main, args=(child, self.config), daemon=True,
                                 name=f"reporting-projection-{i}")
        proc.start()
        child.close()
        self._procs[i], self._conns[i] = proc, parent

    async def start(self) -> None:
        """Start the workers not running (all at first), and wait until they are ready."""
        new = [i for i in range(self.workers)
               if self._procs[i] is None or not self._procs[i].is_alive()]
        for i in new:
            self._drop(i)
            self._spawn(i)
        for i in new:
            try:
                hello = await asyncio.to_thread(self._conns[i].recv)
            except (EOFError, OSError) as exc:
                raise WorkerDied(f"projection worker {i} did not start: {exc!r}") from exc
            if hello != ("ready",):
                raise WorkerDied(f"projection worker {i} did not start: {hello!r}")

    def _drop(self, i: int) -> None:
        proc, conn = self._procs[i], self._conns[i]
        if proc is not None:  # first the process: a thread still reading its pipe gets EOF
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=5)
            proc.close()
        if conn is not None:
            conn.close()
        self._procs[i] = self._conns[i] = None

    async def stop(self) -> None:
        for i in range(self.workers):
            conn, proc = self._conns[i], self._procs[i]
            if conn is not None and proc is not None and proc.is_alive():
                with contextlib.suppress(OSError):
                    conn.send(None)
                await asyncio.to_thread(proc.join, 5)
            self._drop(i)

    @staticmethod
    def _call(conn, request) -> tuple:
        conn.send(request)
        return conn.recv()

    async def _ask(self, i: int, request) -> tuple:
        try:
            return await asyncio.to_thread(self._call, self._conns[i], request)
        except (EOFError, OSError) as exc:
            raise WorkerDied(f"projection worker {i} (pid {self._procs[i].pid}) ended: "
                             f"{exc!r}") from exc

    async def apply(self, records: list[Any], versions: list[int] | None,
                    escalations: bool = False) -> BatchOutcome:
        groups: dict[int, list[tuple]] = defaultdict(list)
        for index, r in enumerate(records):
            groups[r.partition % self.workers].append(
                (index, r.topic, r.partition, r.offset, r.key, r.value))
        async with self._lock:  # one batch at a time per worker (a pipe is not shared)
            await self.start()  # a worker that died with the last batch is replaced
            try:
                replies = await asyncio.gather(
                    *(self._ask(i, (versions, groups[i], escalations)) for i in sorted(groups)),
                    return_exceptions=True)
            except asyncio.CancelledError:
                # a reply still on its way would be read as the next batch's: end them all
                for i in range(self.workers):
                    self._drop(i)
                raise
        out = BatchOutcome()
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
            if reply[0] == "no_targets":
                raise NoTargets(reply[1])
            if reply[0] == "error":
                raise RuntimeError(f"projection worker: {reply[1]}")
            _, applied, duplicates, poison, escs = reply
            out.applied += applied
            out.duplicates += duplicates
            out.poison += [(records[index], why) for index, why in poison]
            out.escalations += [(Item(subject=subject, entry=entry, ref=records[index]), view)
                                for index, subject, entry, view in escs]
        return out

