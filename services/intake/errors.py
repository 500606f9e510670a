"""Domain refusals of the intake service, each with its user-facing text. The base and the
mapping to HTTP are `chassis.errors`."""

from __future__ import annotations

from chassis import errors


class DomainError(errors.DomainError):
    """A rule of the standard refused the command: 409, nothing written."""


class NotFound(DomainError):
    """Unknown here (yet): the HTTP side retries briefly, then answers 404."""

    kind = "unknown"
    code = "not_found"
    retry = True


class NotReady(DomainError):
    """Known, but its creation is not fully seen yet: retried like NotFound."""

    kind = "unknown"
    code = "not_ready"
    retry = True


class StepOutOfOrder(DomainError):
    code = "step_out_of_order"


class AlreadyDone(DomainError):
    code = "already_done"


class VisitRefused(DomainError):
    code = "visit_refused"


class TrackingTaken(DomainError):
    """The tracking id drawn for a new complaint is already used: draw the next one."""

    code = "tracking_taken"


class OutOfScope(DomainError):
    """The reader's role may read such things, but not this one (another division's case,
    another officer's): 403."""

    kind = "forbidden"
    code = "out_of_scope"
