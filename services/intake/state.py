"""What every per-case state shares: the last applied sequence and the commands already
answered (so a redelivered or retried command writes nothing twice)."""

from __future__ import annotations

from contracts.base import Model
from contracts.intake import Identity

#: how many answered command ids a case remembers
PROCESSED = 20


class IdentityView(Model):
    """What a staff member may see of an identity document."""

    kind: str
    masked: str
    valid_until: str | None = None

    @classmethod
    def of(cls, identity: Identity | None) -> IdentityView | None:
        if identity is None:
            return None
        until = identity.valid_until.isoformat() if identity.valid_until else None
        return cls(kind=identity.kind, masked=identity.masked, valid_until=until)


class Tracked(Model):
    sequence: int = 0
    processed: dict[str, list[dict[str, str]]] = {}  # command id -> [{id, type}], oldest first

    def remember(self, command_id: str | None, refs: list[dict[str, str]]):
        """This state with `refs` recorded as written by `command_id`."""
        if not command_id:
            return self
        done = dict(self.processed)
        done[command_id] = [*done.get(command_id, []), *refs]
        while len(done) > PROCESSED:
            done.pop(next(iter(done)))
        return self.model_copy(update={"processed": done})
