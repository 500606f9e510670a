"""Domain refusals, one base for every service, and the one reply shape they travel in.

A decider raises a `DomainError` subclass: a `kind` (what sort of refusal: mapped to an HTTP
status here and nowhere else), a stable `code`, a bilingual text, optionally the `field` it
is about, and `retry` (the thing may simply not be known yet: the HTTP side may ask again
for a moment). The owning agent answers it as `refusal(err)`; the HTTP side turns any reply
with a status >= 400 back into a problem with `problem_of(reply)` (RFC 9457 body, see
`chassis.problems`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from .commands import Reply
from .i18n import Text
from .problems import Conflict, Forbidden, Invalid, NotFound, Problem, Unavailable, field_error

Kind = Literal["unknown", "forbidden", "refused", "invalid", "unavailable", "internal"]
STATUS: dict[str, int] = {"unknown": 404, "forbidden": 403, "refused": 409, "invalid": 422,
                          "unavailable": 503, "internal": 500}
PROBLEMS: dict[int, type[Problem]] = {403: Forbidden, 404: NotFound, 409: Conflict,
                                      422: Invalid, 503: Unavailable}
INTERNAL = Text("Perintah gagal diproses", "The command could not be processed")
UNRECORDED = Text("Langkah belum dapat dicatat, coba lagi",
                  "the step could not be recorded, try again")


class DomainError(Exception):
    """A command a decider refuses. Subclasses set `kind`, `code` (and `retry`)."""

    kind: ClassVar[Kind] = "refused"
    code: ClassVar[str] = "refused"
    retry: ClassVar[bool] = False

    def __init__(self, text: Text, field: str | None = None) -> None:
        super().__init__(text.en)
        self.text = text
        self.field = field

    @property
    def status(self) -> int:
        return STATUS[self.kind]

    def as_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "kind": self.kind, "id": self.text.id,
                                "en": self.text.en, "retry": self.retry}
        if self.field:
            body["field"] = self.field
        return body


def refusal(err: DomainError, **extra: Any) -> Reply:
    return Reply(status=err.status, body={**err.as_body(), **extra})


def invalid_reply(errors: list[dict[str, str]], code: str = "invalid-command",
                  **extra: Any) -> Reply:
    """A command whose payload did not validate (field errors, never the input values)."""
    return Reply(status=422, body={"code": code, "kind": "invalid", "id": "Data tidak valid",
                                   "en": "Invalid input", "errors": errors, **extra})


def internal_reply(**extra: Any) -> Reply:
    return Reply(status=500, body={"code": "internal", "kind": "internal", "id": INTERNAL.id,
                                   "en": INTERNAL.en, "retry": False, **extra})


def unavailable_reply(code: str = "publish-failed") -> Reply:
    return Reply(status=503, body={"code": code, "kind": "unavailable", "id": UNRECORDED.id,
                                   "en": UNRECORDED.en, "retry": True})


def problem_of(reply: Reply) -> Problem:
    """The problem a refusal reply stands for: status, text, field errors, and its `code`."""
    body = reply.body
    text = Text(body["id"], body["en"]) if "id" in body and "en" in body else None
    errors = body.get("errors")
    if reply.status == 422 and not errors:
        errors = [field_error(body.get("field") or "body", text.en if text else "invalid")]
    if reply.status == 503 and text is None:
        text = UNRECORDED
    cls = PROBLEMS.get(reply.status, Problem)
    problem = cls(text, errors=errors, extra={"code": body["code"]} if "code" in body else None)
    if cls is Problem:
        problem.status = reply.status
    return problem
