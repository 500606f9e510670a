"""What the readiness probe needs to know about the faust worker, in one place.

faust has no public way to list an agent's actors (the running copies of its function, one
per partition with `concurrency`/isolated partitions, else one): only the private
`Agent._actors`. An actor that crashed (e.g. PartitionsMismatch) is not reflected on the
agent itself, so a probe that looked at the agent only answered ready while nothing was
consumed. No upstream issue found asking for a public accessor; the private attribute is
read here only, with a fallback to "no actors" if a faust release renames it. The crash
state itself is read through mode's public `Service.crashed` / `Service.crash_reason`.
"""

from __future__ import annotations

from typing import Any


def actors(agent) -> list:
    """The agent's actors (faust keeps them in the private `_actors`; see above)."""
    return list(getattr(agent, "_actors", ()))


def crashed(service) -> tuple[bool, BaseException | None]:
    """Whether `service` (a mode Service: an agent, an actor) crashed, and why."""
    reason = getattr(service, "crash_reason", None)
    return reason is not None or bool(getattr(service, "crashed", False)), reason


def agents_healthy(faust_app) -> tuple[bool, str]:
    """Every agent started and none of its actors crashed (e.g. PartitionsMismatch)."""
    for agent in faust_app.agents.values():
        for service in (agent, *actors(agent)):
            down, reason = crashed(service)
            if down:
                return False, f"agent {agent.name} crashed: {reason!r}"
        if not agent.started:
            return False, f"agent {agent.name} not started"
    return True, "ok"


def rebalancing(faust_app) -> bool:
    """A rebalance is under way (True as well before the worker has started)."""
    return bool(getattr(faust_app, "rebalancing", True))


def recovering(faust_app) -> bool:
    """Tables are being recovered from their changelogs."""
    return bool(getattr(faust_app, "in_recovery", False))


def stream_checks(faust_app, started: bool) -> tuple[dict[str, Any], bool]:
    """The faust part of /readyz (agents, assigned partitions, rebalance, recovery) and
    whether it allows serving."""
    ok, why = agents_healthy(faust_app)
    consumer = faust_app.consumer if started else None
    assigned = consumer.assignment() if consumer else set()
    checks: dict[str, Any] = {
        "agents": ok if ok else why,
        "partitions": len(assigned),
        "rebalancing": rebalancing(faust_app),
        "recovering": recovering(faust_app),
    }
    ready = (started and ok and len(assigned) > 0
             and not checks["rebalancing"] and not checks["recovering"])
    return checks, ready
