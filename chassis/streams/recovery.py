"""A watchdog for faust's table recovery (not a patch: it drives faust's own restart signal).

Upstream: faust-streaming/faust issue #155 ("Off by one error fetching changelog") and
#176 (changelog compacted by segment time) report the same symptom - recovery waiting
forever with "No event received for active tp ... since recovery start"; both name causes
(an off-by-one start offset, compaction) that were not shown to be ours.
Observed: after a worker was SIGKILLed, the survivor's recovery sometimes waited forever for
changelog events that never came (every partition, minutes), answering 503 for every case:
1 in ~4 kill/restart cycles in a loop of 12, and 2 of ~14 runs of the failover test. The
stale-offset patch (`patches.recover_active_tables_from_the_start`) alone did not cure it.
`restart_stuck_recovery` watches recovery progress and, after 15 s without any, signals
faust to start recovery again (what a new rebalance does: seek, resume, read); streams stay
paused until it completes. Measured with it: 12 of 12 cycles recovered, two of them through
a restart (failover 32 s instead of never).
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

STUCK_AFTER = 15.0  # seconds without a changelog event applied while in recovery
CHECK_EVERY = 2.5


def progress(recovery) -> tuple[tuple[str, int], ...]:
    """What recovery has read so far: (changelog partition, offset) pairs, comparable."""
    return tuple(sorted((str(tp), o) for tp, o in recovery.active_offsets.items()))


async def restart_stuck_recovery(app, stuck_after: float = STUCK_AFTER,
                                 every: float = CHECK_EVERY) -> None:
    """Runs for the life of the worker: if table recovery makes no progress for `stuck_after`
    seconds, signal faust to start it again (see the module docstring)."""
    recovery = app.tables.recovery
    loop = asyncio.get_running_loop()
    seen, since = None, loop.time()
    while True:
        await asyncio.sleep(every)
        if not recovery.in_recovery:
            seen, since = None, loop.time()
            continue
        now = progress(recovery)
        if now != seen:
            seen, since = now, loop.time()
            continue
        if loop.time() - since >= stuck_after:
            log.warning("table recovery made no progress; restarting it",
                        extra={"seconds": round(loop.time() - since, 1)})
            recovery.signal_recovery_start.set()
            seen, since = None, loop.time()
