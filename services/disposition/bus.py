"""HTTP side of the command path: send a command (or query) to the agent owning the case,
honour `Idempotency-Key`, and turn the agent's reply into an HTTP response or problem."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

from chassis.auth import Principal
from chassis.clock import Clock
from chassis.commands import CommandBus, CommandMessage, Reply
from chassis.errors import problem_of
from chassis.idempotency import command_id_for, replayed_problem, run_idempotent
from contracts.sealed import case_key

SERVICE = "disposition"
#: a command right after intake may reach the agent before intake's events do (the command
#: topic and the intake topic are consumed side by side): retry answers that only mean "intake
#: has not caught up yet" for this long before giving them to the caller
#: normally milliseconds; while a worker or the broker restarts it can take seconds (an e2e
#: fault run answered a spurious 409 'not registered' after 2 s). A letter whose request is
#: known is always registered by the same registrar step, so that wait is longer; an id never
#: seen may simply be wrong, so a 404 comes sooner.
INTAKE_PATIENCE = {"case-unknown": 3.0, "not-registered": 8.0}
#: the intake event is usually a few milliseconds behind: retry soon, then back off
INTAKE_RETRY_FIRST, INTAKE_RETRY_MAX = 0.005, 0.1


async def ask_owner(bus: CommandBus, msg: CommandMessage) -> Reply:
    loop = asyncio.get_running_loop()
    began = loop.time()
    delay = INTAKE_RETRY_FIRST
    while True:
        reply = await bus.ask(msg)
        if reply.status >= 500:  # raised, so an Idempotency-Key is not bound to a failure
            raise problem_of(reply)
        patience = INTAKE_PATIENCE.get(reply.body.get("code"))
        if patience is None or loop.time() - began >= patience:
            return reply
        await asyncio.sleep(delay)
        delay = min(delay * 2, INTAKE_RETRY_MAX)


@dataclass
class CaseCommands:
    """One request's way to the case owner: the bus, the clock that stamps the command, the
    Redis behind `Idempotency-Key`, and the request's key and correlation id."""

    bus: CommandBus
    clock: Clock
    redis: Any
    idempotency_key: str | None = None
    correlation_id: str | None = None
    sealer: Any = None  # chassis.sealing.Sealer: the personal fields of a step's body

    def message(self, principal: Principal, case_id: str, name: str, payload: dict[str, Any],
                command_id: str | None = None) -> CommandMessage:
        return CommandMessage(command_id=command_id or str(uuid.uuid4()), name=name,
                              subject=case_id, payload=payload, actor=principal,
                              at=self.clock.now(),
                              correlation_id=self.correlation_id or str(uuid.uuid4()))

    async def submit(self, principal: Principal, case_id: str, step: str,
                     payload: dict[str, Any], sealed: tuple[str, ...] = ()) -> JSONResponse:
        """Send a command to the case's owner once (per `Idempotency-Key`), answer its reply.
        `sealed`: the payload's fields of personal data (a list of texts each), sealed under
        the case's data key before the command leaves (the key's fingerprint is taken of the
        body as sent, so a replay with the same key and body still matches)."""
        key = self.idempotency_key
        command_id = command_id_for(SERVICE, principal.sub, key)
        outgoing = await self._sealed(case_id, payload, sealed) if sealed else payload
        msg = self.message(principal, case_id, step, outgoing, command_id)
        reply = await run_idempotent(
            self.redis, service=SERVICE, principal=principal.sub, key=key,
            payload={"case_id": case_id, "step": step, "body": payload},
            run=lambda: ask_owner(self.bus, msg))
        return answer(reply)

    async def _sealed(self, case_id: str, payload: dict[str, Any],
                      fields: tuple[str, ...]) -> dict[str, Any]:
        key_id = case_key(case_id)

        def run() -> dict[str, Any]:
            return {**payload, **{f: [self.sealer.seal(key_id, v) for v in payload[f]]
                                  for f in fields}}
        return await asyncio.to_thread(run)

    async def query(self, principal: Principal, case_id: str) -> JSONResponse:
        return answer(await ask_owner(self.bus, self.message(principal, case_id, "query", {})))


def answer(reply: Reply) -> JSONResponse:
    if reply.status < 400:
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)
    replayed = replayed_problem(reply)
    if replayed is not None:
        return replayed
    raise problem_of(reply)
