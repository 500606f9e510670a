"""What the HTTP routes share: their dependencies (the runtime, the two command buses, the
clock `Now`, the caller, the settings), asking an agent, and turning replies into HTTP."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from chassis.auth import Principal
from chassis.commands import CommandBus, CommandMessage, Reply
from chassis.deps import Caller as Caller
from chassis.deps import Config as Config
from chassis.deps import Ctx
from chassis.deps import Now as Now
from chassis.errors import problem_of
from chassis.i18n import Text, pick_lang
from chassis.idempotency import command_id_for, replayed_problem, run_idempotent
from chassis.problems import (
    Invalid,
    Unavailable,
    field_error,
    problem_response,
)
from chassis.status_codes import StatusCodes
from chassis.web import ServiceContext
from contracts.base import Model
from contracts.intake import Identity

from .identity import Issue
from .schemas import IdentityIn
from .vault import IdentityVault

SERVICE = "intake"
#: how long a command on a just-created case is retried while its creation propagates
PROPAGATION = 2.0
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Runtime:
    ctx: ServiceContext
    vault: IdentityVault
    registrar_topic: Any
    case_topic: Any

    @cached_property
    def codes(self) -> StatusCodes:
        return StatusCodes(self.vault.store)

    @property
    def redis(self):
        return self.ctx.redis

    def registrar(self) -> CommandBus:
        return CommandBus(self.registrar_topic, self.redis, self.ctx.settings.command_timeout)

    def cases(self) -> CommandBus:
        return CommandBus(self.case_topic, self.redis, self.ctx.settings.command_timeout)

    async def protect(self, identity: IdentityIn, record_key: str) -> Identity:
        return await asyncio.to_thread(self.vault.protect, identity.kind, identity.number,
                                       identity.valid_until, record_key=record_key)

    async def link_records(self, record_key: str, derived_key: str) -> None:
        await asyncio.to_thread(self.vault.link_records, record_key, derived_key)

    async def seal(self, record_key: str, **fields: str | None) -> dict[str, str | None]:
        """Each field's text sealed under the record's data key (None stays None): one
        hand-off to a thread, one look-up of the key."""
        return await asyncio.to_thread(self.vault.sealer.seal_many, record_key, fields)

    async def unseal(self, value: Any) -> Any:
        """`value` (a reply body) with every sealed token opened; an erased one is None."""
        return await asyncio.to_thread(self.vault.sealer.open_tree, value)

    def _code(self, command_id: str) -> tuple[str, str]:
        code = self.codes.issue(command_id)
        return code, self.codes.digest(code) or ""

    async def status_code(self, command_id: str) -> tuple[str, str]:
        """(the citizen's status code of the record this command creates, its digest)."""
        return await asyncio.to_thread(self._code, command_id)

    async def seal_with_code(self, record_key: str, command_id: str, **fields: str | None
                             ) -> tuple[dict[str, str | None], tuple[str, str]]:
        """`seal` and `status_code` for a new record, in one hand-off to a thread."""
        def run():
            return (self.vault.sealer.seal_many(record_key, fields), self._code(command_id))
        return await asyncio.to_thread(run)

    async def ref(self, identity: IdentityIn) -> str:
        return await asyncio.to_thread(self.vault.ref, identity.kind, identity.number)


async def runtime(ctx: Ctx) -> Runtime:
    return ctx.extras["intake"]


Rt = Annotated[Runtime, Depends(runtime)]


async def registrar(rt: Rt) -> CommandBus:
    """The registrar's command bus (one partition: visits and new requests)."""
    return rt.registrar()


async def cases(rt: Rt) -> CommandBus:
    """The case owners' command bus (keyed by case or complaint id)."""
    return rt.cases()


Registrar = Annotated[CommandBus, Depends(registrar)]
Cases = Annotated[CommandBus, Depends(cases)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
CorrelationId = Annotated[str | None, Header(alias="X-Correlation-Id", max_length=200)]


def lang_of(request: Request) -> str:
    return pick_lang(request.headers.get("accept-language"), request.app.state.lang)


def invalid(issues: list[Issue], request: Request) -> Invalid:
    lang = lang_of(request)
    return Invalid(Text("Data tidak memenuhi persyaratan", "The input does not meet the "
                        "requirements"),
                   errors=[field_error(i.field, i.reason.get(lang)) for i in issues])


def is_uuid(text: str) -> bool:
    return _UUID.match(text) is not None


def new_command_id(principal: Principal, key: str | None, name: str) -> str:
    """Stable for an Idempotency-Key (per command name, so a key reused on another endpoint
    can never look like a replay of the first command); random without one."""
    return command_id_for(f"{SERVICE}/{name}", principal.sub, key) or str(uuid.uuid4())


def acting(principal: Principal, allowed: tuple[str, ...]) -> Principal:
    """The principal with the role it acts in first (it becomes the envelope's actorrole)."""
    first = [r for r in principal.roles if r in allowed]
    rest = [r for r in principal.roles if r not in allowed]
    return principal.model_copy(update={"roles": tuple(first + rest)})


def message(name: str, subject: str, payload: Model | None, principal: Principal,
            command_id: str, correlation_id: str | None, at: datetime) -> CommandMessage:
    return CommandMessage(
        command_id=command_id, name=name, subject=subject,
        payload=payload.model_dump(mode="json") if payload is not None else {},
        actor=principal, at=at, correlation_id=correlation_id or str(uuid.uuid4()))


async def ask(bus: CommandBus, msg: CommandMessage, retry_for: float = 0.0) -> Reply:
    """Ask the owning agent; while it answers "not known yet", ask again up to `retry_for`
    seconds (a case the registrar just created may not have reached its owner yet). 5xx
    replies raise, so an Idempotency-Key is released for a retry."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + retry_for
    delay = 0.02
    while True:
        reply = await bus.ask(msg)
        if reply.status >= 500:
            raise Unavailable(Text("Perintah gagal diproses, coba lagi",
                                   "The command failed, try again"))
        if reply.status < 400 or not reply.body.get("retry") or loop.time() >= deadline:
            return reply
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)


async def idempotent(rt: Runtime, principal: Principal, key: str | None, fingerprint: Any,
                     run) -> Reply:
    return await run_idempotent(rt.redis, service=SERVICE, principal=principal.sub, key=key,
                                payload=fingerprint, run=run)


async def unsealed(rt: Runtime, reply: Reply) -> Reply:
    """A read's reply with its sealed personal fields opened for the (authorized) caller."""
    if reply.status >= 400:
        return reply
    return reply.model_copy(update={"body": await rt.unseal(reply.body)})


def respond(reply: Reply, request: Request, correlation_id: str | None = None,
            location: str | None = None, extra: dict | None = None) -> JSONResponse:
    """`extra`: fields added to a success (e.g. the status code, shown once, never stored)."""
    headers = dict(reply.headers)
    if correlation_id:
        headers["X-Correlation-Id"] = correlation_id
    if reply.status >= 400:
        replayed = replayed_problem(reply)
        if replayed is not None:
            replayed.headers.update(headers)
            return replayed
        response = problem_response(problem_of(reply), request)
        response.headers.update(headers)
        return response
    if location and reply.status == 201:
        headers["Location"] = location
    return JSONResponse({**reply.body, **(extra or {})}, status_code=reply.status,
                        headers=headers)
