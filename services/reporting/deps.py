"""Shared dependencies of the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from chassis.auth import Principal
from chassis.problems import Forbidden

from .reading import BadInput
from .runtime import Runtime
from .texts import NO_DIVISION, OTHER_DIVISION


def runtime(request: Request) -> Runtime:
    return request.app.state.rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def division_scope(principal: Principal, requested: str | None) -> str | None:
    """The division a listing is limited to: a division head's own, whatever they asked."""
    if principal.has_any({"analyst", "ops", "head_of_office", "admin"}):
        return requested
    if not principal.division:
        raise Forbidden(NO_DIVISION)
    if requested is not None and requested != principal.division:
        raise Forbidden(OTHER_DIVISION)
    return principal.division


def check_division(rt: Runtime, division: str | None) -> None:
    if division is not None and division not in rt.divisions:
        raise BadInput("division", f"unknown division; known: {', '.join(sorted(rt.divisions))}")
