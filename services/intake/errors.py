"""Domain refusals of the intake service, each with its user-facing text. Mapped to HTTP in
one place (`replies.error_reply`)."""

from __future__ import annotations

from chassis.i18n import Text


class DomainError(Exception):
    """A rule of the standard refused the command: 409, nothing written."""

    status = 409
    code = "refused"
    retry = False

    def __init__(self, text: Text, field: str | None = None) -> None:
        super().__init__(text.en)
        self.text = text
        self.field = field


class NotFound(DomainError):
    """Unknown here (yet): the HTTP side retries briefly, then answers 404."""

    status = 404
    code = "not_found"
    retry = True


class NotReady(DomainError):
    """Known, but its creation is not fully seen yet: retried like NotFound."""

    status = 404
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
