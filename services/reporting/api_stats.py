"""`GET /stats/sla`, `/stats/lead-times`, `/stats/workload`, `/stats/volume`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from chassis.auth import require_roles

from .deps import RuntimeDep
from .reading import (
    complaint_statuses,
    lead_time_stats,
    sla_stats,
    time_range,
    volume,
    workload,
)

router = APIRouter(prefix="/stats", tags=["stats"])

From = Annotated[str | None, Query(alias="from", description="YYYY-MM-DD or RFC 3339")]
To = Annotated[str | None, Query(description="YYYY-MM-DD (inclusive) or RFC 3339 (exclusive)")]


@router.get("/sla", dependencies=[Depends(require_roles("analyst", "ops", "head_of_office"))])
async def sla(rt: RuntimeDep, from_: From = None, to: To = None,
              policy: str | None = None) -> dict:
    """Clocks by policy, counted on the office day they started."""
    rng = time_range(from_, to, rt.tz)
    return {"from": rng.first_day, "to": rng.last_day,
            "policies": sla_stats(await rt.reader.sla(), rng, policy)}


@router.get("/lead-times", dependencies=[Depends(require_roles("analyst", "head_of_office"))])
async def lead_times(rt: RuntimeDep, from_: From = None, to: To = None) -> dict:
    """Seconds from the request to each step, of the cases requested in the range."""
    rng = time_range(from_, to, rt.tz)
    return {"from": rng.first_day, "to": rng.last_day,
            "steps": lead_time_stats(await rt.reader.lead_times(rng))}


@router.get("/workload",
            dependencies=[Depends(require_roles("analyst", "ops", "head_of_office"))])
async def workload_stats(rt: RuntimeDep) -> dict:
    """Open cases (not closed, withdrawn or cancelled) per division and officer."""
    return workload(await rt.reader.workload())


@router.get("/volume", dependencies=[Depends(require_roles("analyst", "head_of_office"))])
async def volume_stats(rt: RuntimeDep, from_: From = None, to: To = None,
                       by: Literal["day", "month"] = "day") -> dict:
    """Requests by channel, complaints by channel and guest-book visits per office day or
    month."""
    rng = time_range(from_, to, rt.tz)
    return {"by": by, "from": rng.first_day, "to": rng.last_day,
            "items": volume(await rt.reader.volume(), rng, by)}


@router.get("/complaints", dependencies=[Depends(require_roles("analyst", "head_of_office"))])
async def complaint_stats(rt: RuntimeDep) -> dict:
    """Complaints (pengaduan) by their furthest step: filed, verified, responded, closed."""
    return {"by_status": complaint_statuses(await rt.reader.complaints())}
