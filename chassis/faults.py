"""Test-only fault hooks, armed by `AUDIENSI_FAULT` (refused when `AUDIENSI_ENV=production`).

`lose-state-write:<command>` reproduces, deterministically, the crash that a SIGKILL at the
wrong moment causes: the first command named `<command>` has its events published and
acknowledged, its state write is lost (not made: as if the changelog write never left the
process), the command's offset is committed, and then the process is SIGKILLed.
`lose-state-write:<command>@<subject>` narrows it to that subject's command (a worker that
shares its topics with other tests' subjects would otherwise spend it on one of theirs). A service
whose state is a cache of its own events recovers the step after the restart; one whose
state is only its changelog has lost it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from aiokafka import TopicPartition

from .kafka import new_consumer

log = logging.getLogger(__name__)
LOSE_STATE_WRITE = "lose-state-write"
KINDS = (LOSE_STATE_WRITE,)


class FaultRefused(RuntimeError):
    pass


class Faults:
    def __init__(self, spec: str | None, env: str | None = None, bootstrap: str = "",
                 group_id: str = "", kill=None) -> None:
        self.bootstrap, self.group_id = bootstrap, group_id
        self.kill = kill or kill_when_committed
        self._kill: asyncio.Task | None = None
        self.kind: str | None = None
        self.target: str | None = None
        self.subject: str | None = None
        self.spent = False
        if not spec:
            return
        if (env or "").lower() == "production":
            raise FaultRefused("AUDIENSI_FAULT is a test hook: refused in production")
        kind, _, target = spec.partition(":")
        if kind not in KINDS or not target:
            raise FaultRefused(f"unknown AUDIENSI_FAULT {spec!r} (kinds: {', '.join(KINDS)})")
        target, _, subject = target.partition("@")
        self.kind, self.target, self.subject = kind, target, subject or None

    @classmethod
    def for_app(cls, settings, faust_app) -> Faults:
        return cls(settings.fault, os.environ.get("AUDIENSI_ENV"), settings.kafka_bootstrap,
                   faust_app.conf.id)

    def lose_state_write(self, command: str, message, subject: str | None = None) -> bool:
        """True once, for the first command named by the hook (of its subject, if it names
        one): the caller skips its state write; the process is SIGKILLed once the message's
        offset is committed."""
        if self.kind != LOSE_STATE_WRITE or self.spent or command != self.target:
            return False
        if self.subject is not None and subject != self.subject:
            return False
        self.spent = True
        log.warning("fault hook: state write lost", extra={"command": command})
        self._kill = asyncio.ensure_future(self.kill(
            self.bootstrap, self.group_id, message.topic, message.partition, message.offset))
        return True


async def kill_when_committed(bootstrap: str, group_id: str, topic: str, partition: int,
                              offset: int, every: float = 0.05) -> None:
    """SIGKILL this process once the group's committed offset on (topic, partition) has
    passed `offset` (the message counts as processed)."""
    tp = TopicPartition(topic, partition)
    consumer = new_consumer(bootstrap_servers=bootstrap, group_id=group_id,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        while (await consumer.committed(tp) or 0) <= offset:
            await asyncio.sleep(every)
    finally:
        await consumer.stop()
    log.warning("fault hook: offset committed, SIGKILL", extra={"topic": topic,
                                                                  "offset": offset})
    os.kill(os.getpid(), signal.SIGKILL)
