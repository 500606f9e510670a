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


#: who reads the analysts' listings of every division
ANALYSIS_WIDE = frozenset({"analyst", "ops", "head_of_office", "admin"})


def division_scope(principal: Principal, requested: str | None,
                   office_wide: frozenset[str] = ANALYSIS_WIDE) -> str | None:
    """The division a listing is limited to: the `office_wide` readers' choice; a division
    head's own (asking for another is refused)."""
    if principal.has_any(office_wide):
        return requested
    if not principal.division:
        raise Forbidden(NO_DIVISION)
    if requested is not None and requested != principal.division:
        raise Forbidden(OTHER_DIVISION)
    return principal.division


def check_division(rt: Runtime, division: str | None) -> None:
    if division is not None and division not in rt.divisions:
        raise BadInput("division", f"unknown division; known: {', '.join(sorted(rt.divisions))}")
