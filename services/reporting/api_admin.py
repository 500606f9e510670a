"""`POST /admin/projections/rebuild` and the projection status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from chassis.auth import Principal, require_roles
from chassis.problems import Conflict

from .deps import RuntimeDep
from .rebuild import AlreadyRunning
from .texts import REBUILD_RUNNING

router = APIRouter(prefix="/admin/projections", tags=["admin"])


@router.post("/rebuild", status_code=202)
async def rebuild(rt: RuntimeDep,
                  principal: Annotated[Principal, Depends(require_roles("admin"))]) -> JSONResponse:
    """Replay every topic from offset 0 into a fresh version; readers switch to it once it
    has caught up. Follow it with `GET /admin/projections/rebuild`."""
    try:
        status = await rt.rebuilds.start(principal.sub)
    except AlreadyRunning as exc:
        raise Conflict(REBUILD_RUNNING, extra={"rebuild": exc.status}) from exc
    return JSONResponse(status, status_code=202,
                        headers={"Location": "/admin/projections/rebuild"})


@router.get("/rebuild", dependencies=[Depends(require_roles("admin", "ops"))])
async def rebuild_status(rt: RuntimeDep) -> dict:
    """state (idle, running, done, failed, interrupted), version, consumed/total, pct."""
    return await rt.rebuilds.status()


@router.get("", dependencies=[Depends(require_roles("admin", "ops"))])
async def projections(rt: RuntimeDep) -> dict:
    """Versions, the live projector's positions per topic partition and its counters."""
    p = rt.projector
    positions: dict[str, dict[str, int]] = {}
    for (topic, part), offset in sorted(p.positions.items()):
        positions.setdefault(topic, {})[str(part)] = offset
    return {
        "current_version": await rt.store.current_version(),
        "registered_versions": sorted(await rt.store.registered(rt.partitions)),
        "partitions": rt.partitions,
        "live": {"positions": positions, "assigned": len(p.assignment()), **p.counts,
                 "last_error": p.last_error},
        "rebuild": await rt.rebuilds.status(),
    }
