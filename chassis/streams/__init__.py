"""faust behind one package: the app factory, every patch of faust/aiokafka internals, the
recovery watchdog, the rewind of never-committed input partitions, consumer-group offsets,
the health of agents and direct publishing. Services import faust work from here only.

| module | what |
|---|---|
| `app` | `make_faust_app` (patches applied, rewind connected), `raw_topic`, `commands_topic` |
| `patches` | every monkey-patch of faust/aiokafka internals, each naming its upstream issue |
| `recovery` | `restart_stuck_recovery`: restarts a table recovery that stopped progressing |
| `rewind` | after a rebalance, input partitions without a committed offset read from their start |
| `offsets` | where a group stands: `backlog`, `unread_from_start`, `never_committed` |
| `health` | `agents_healthy`, `stream_checks` for /readyz (private faust state read only here) |
| `publishing` | `DirectPublisher`: straight through the transport producer, acks awaited |
"""

from .app import commands_topic, make_faust_app, raw_topic
from .health import agents_healthy, stream_checks
from .offsets import Backlog, backlog, never_committed, unread_from_start
from .patches import apply_all, drain
from .publishing import DirectPublisher
from .recovery import restart_stuck_recovery
from .rewind import NeverCommittedRewind, install_rewind

__all__ = [
    "Backlog",
    "DirectPublisher",
    "NeverCommittedRewind",
    "agents_healthy",
    "apply_all",
    "backlog",
    "commands_topic",
    "drain",
    "install_rewind",
    "make_faust_app",
    "never_committed",
    "raw_topic",
    "restart_stuck_recovery",
    "stream_checks",
    "unread_from_start",
]
