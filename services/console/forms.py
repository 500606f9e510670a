"""The forms of the standard's steps: which fields each step asks for and the API body they
become. Pure: the routes render `STEPS[step].fields` and post `body(step, form)`.

A step's key is the disposition service's own name (`allowed_next_steps`), its path the
route under `/cases/{case_id}/`. Times typed into a form are office time (WIB, UTC+7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .l10n import N_, Msg

WIB = timezone(timedelta(hours=7), "WIB")


class FormError(ValueError):
    """A field the console itself cannot turn into the API's shape (e.g. a malformed time)."""

    def __init__(self, field_name: str, text: Msg) -> None:
        super().__init__(field_name)
        self.field = field_name
        self.text = text


@dataclass(frozen=True)
class Field:
    name: str
    label: Msg
    kind: str = "text"  # text | textarea | lines | select | checks | datetime | date | number
    required: bool = True  # | checkbox | hidden
    options: str | None = None  # "divisions" | "officers" | "priorities" | "channels" | ...
    default: str = ""


@dataclass(frozen=True)
class Step:
    key: str
    path: str
    label: Msg
    service: str = "disposition"
    fields: tuple[Field, ...] = field(default_factory=tuple)


def _f(name, label, kind="text", required=True, options=None, default=""):
    return Field(name, label, kind, required, options, default)


CHANNEL = _f("channel", N_("field.notify.channel"), "select",
             options="contact_channels", default="telepon")
MESSAGE = _f("message", N_("field.notify.message"), "textarea")

STEPS: dict[str, Step] = {s.key: s for s in (
    Step("disposition", "disposition", N_("step.disposition"), fields=(
        _f("division", N_("field.disposition.division"), "select", options="divisions"),
        _f("copies", N_("field.disposition.copies"), "checks", False, "divisions"),
        _f("instructions", N_("field.disposition.instructions"), "textarea"),
        _f("priority", N_("field.disposition.priority"), "select", False, "priorities"),
    )),
    Step("receipt", "receipt", N_("step.receipt")),
    Step("disposition-return", "disposition/return",
         N_("step.disposition-return"),
         fields=(_f("reason", N_("field.disposition-return.reason"), "textarea"),)),
    Step("assignment", "assignment", N_("step.assignment"), fields=(
        _f("officer_id", N_("field.assignment.officer_id"), "select", options="officers"),)),
    Step("reassignment", "reassignment", N_("step.reassignment"), fields=(
        _f("officer_id", N_("field.reassignment.officer_id"), "select", options="officers"),
        _f("reason", N_("field.reassignment.reason"), "textarea"))),
    Step("preparation", "preparation", N_("step.preparation"),
         fields=(
        _f("administration", N_("field.preparation.administration"), "textarea"),
        _f("materials", N_("field.preparation.materials"), "textarea"),
        _f("equipment", N_("field.preparation.equipment"), "textarea"),
        _f("staff_review_required", N_("field.preparation.staff_review_required"), "checkbox",
           False))),
    Step("staff-review", "staff-review", N_("step.staff-review"), fields=(
        _f("summary", N_("field.staff-review.summary"), "textarea"),
        _f("involves_agencies", N_("field.staff-review.involves_agencies"), "lines", False),
        _f("needs_leadership_meeting", N_("field.staff-review.needs_leadership_meeting"),
           "checkbox", False))),
    Step("notification", "notification", N_("step.notification"),
         fields=(CHANNEL, MESSAGE,
                 _f("scheduled_for", N_("field.notification.scheduled_for"),
                    "datetime", False))),
    Step("rescheduling", "rescheduling", N_("step.rescheduling"), fields=(
        _f("scheduled_for", N_("field.rescheduling.scheduled_for"), "datetime"),
        CHANNEL, MESSAGE)),
    Step("declination", "declination", N_("step.declination"),
         fields=(_f("reason", N_("field.declination.reason"), "textarea"), CHANNEL, MESSAGE)),
    Step("direction", "direction", N_("step.direction"),
         fields=(_f("officer_id", N_("field.direction.officer_id"), "select",
                    options="all_officers"),)),
    Step("audience", "audience", N_("step.audience"), fields=(
        _f("held_at", N_("field.audience.held_at"), "datetime"),
        _f("attendees", N_("field.audience.attendees"), "lines"),
        _f("accompanied_by", N_("field.audience.accompanied_by"),
           "lines", False),
        _f("missing_documents", N_("field.audience.missing_documents"), "lines", False))),
    Step("report", "report", N_("step.report"), fields=(
        _f("summary", N_("field.report.summary"), "textarea"),
        _f("advice", N_("field.report.advice"), "textarea"),
        _f("input", N_("field.report.input"), "textarea", False),
        _f("considerations", N_("field.report.considerations"), "textarea", False),
        _f("solutions", N_("field.report.solutions"), "textarea", False),
        _f("recommendations", N_("field.report.recommendations"),
           "lines", False))),
    Step("report-forwarding", "report/forwarding",
         N_("step.report-forwarding")),
    Step("report-return", "report/return", N_("step.report-return"),
         fields=(_f("note", N_("field.report-return.note"), "textarea"),)),
    Step("closure", "closure", N_("step.closure"), fields=(
        _f("outcome", N_("field.closure.outcome"), "textarea", default="selesai"),)),
    Step("cancellation", "cancellation", N_("step.cancellation"),
         fields=(_f("reason", N_("field.cancellation.reason"), "textarea"),)),
)}

OPTIONS_STATIC: dict[str, list[tuple[str, Msg]]] = {
    "complaint_channels": [("in_person", N_("option.complaint_channels.in_person")),
                           ("letter", N_("option.complaint_channels.letter")),
                           ("website", N_("option.complaint_channels.website")),
                           ("sp4n_lapor", N_("option.complaint_channels.sp4n_lapor"))],
    "identity_kinds": [("KTP", N_("option.identity_kinds.KTP")),
                       ("SIM", N_("option.identity_kinds.SIM")),
                       ("PASPOR", N_("option.identity_kinds.PASPOR")),
                       ("KITAS", N_("option.identity_kinds.KITAS"))],
    "priorities": [("biasa", N_("option.priorities.biasa")),
                   ("segera", N_("option.priorities.segera")),
                   ("sangat_segera", N_("option.priorities.sangat_segera"))],
    "contact_channels": [("telepon", N_("option.contact_channels.telepon")),
                         ("whatsapp", N_("option.contact_channels.whatsapp")),
                         ("surat", N_("option.contact_channels.surat")),
                         ("email", N_("option.contact_channels.email"))],
}

BAD_TIME = N_("form_error.time")
BAD_DATE = N_("form_error.date")
BAD_NUMBER = N_("form_error.number")


def wib_time(value: str, field_name: str) -> str:
    """`2026-12-03T14:30` typed in WIB -> an aware ISO 8601 time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(field_name, BAD_TIME) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=WIB)
    return parsed.isoformat()


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def value_of(f: Field, form: Any) -> Any:
    """One field's value from a submitted form (a starlette FormData or a dict), or None
    when left empty."""
    if f.kind == "checks":
        getlist = getattr(form, "getlist", None)
        chosen = getlist(f.name) if getlist else form.get(f.name) or []
        return [c for c in chosen if c]
    if f.kind == "checkbox":
        return form.get(f.name) in ("on", "true", "1")
    raw = (form.get(f.name) or "").strip()
    if not raw:
        return [] if f.kind == "lines" else None
    if f.kind == "lines":
        return lines(raw)
    if f.kind == "datetime":
        return wib_time(raw, f.name)
    if f.kind == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise FormError(f.name, BAD_DATE) from None
    if f.kind == "number":
        try:
            return int(raw)
        except ValueError:
            raise FormError(f.name, BAD_NUMBER) from None
    return raw


def body(step: str, form: Any) -> dict[str, Any]:
    """The API body of `step` from a submitted form: empty optional fields left out (the API
    applies its defaults); an empty required one is sent empty, so the API says why."""
    out: dict[str, Any] = {}
    for f in STEPS[step].fields:
        value = value_of(f, form)
        if value is None:
            if f.required:
                out[f.name] = ""
            continue
        if f.kind in ("lines", "checks") and not value and not f.required:
            continue
        out[f.name] = value
    if step == "audience":
        out["documents_complete"] = not out.get("missing_documents")
    return out


# -- letter registration (intake POST /requests) -----------------------------------------
LETTER_FIELDS: tuple[Field, ...] = (
    _f("letter_number", N_("field.letter.letter_number")),
    _f("letter_dated", N_("field.letter.letter_dated"), "date"),
    _f("sender", N_("field.letter.sender")),
    _f("addressed_to", N_("field.letter.addressed_to"), default="Kepala Dinas"),
    _f("applicant_name", N_("field.letter.applicant_name")),
    _f("organization", N_("field.letter.organization"), required=False),
    _f("contact", N_("field.letter.contact"), required=False),
    _f("subject", N_("field.letter.subject")),
    _f("purpose", N_("field.letter.purpose"), "textarea"),
    _f("participants", N_("field.letter.participants"), "number", default="1"),
    _f("preferred_date", N_("field.letter.preferred_date"), "date", False),
)
LETTER_BY_NAME = {f.name: f for f in LETTER_FIELDS}


def letter_body(form: Any) -> dict[str, Any]:
    """intake `POST /requests` for a letter (channel `letter`, not urgent)."""
    v = {f.name: value_of(f, form) for f in LETTER_FIELDS}

    def given(name: str) -> Any:
        return v[name] if v[name] is not None else ("" if LETTER_BY_NAME[name].required
                                                    else None)

    applicant = {"name": given("applicant_name")}
    for name in ("organization", "contact"):
        if v[name]:
            applicant[name] = v[name]
    form_part: dict[str, Any] = {"subject": given("subject"),
                                 "participants": v["participants"] or 1}
    if v["preferred_date"]:
        form_part["preferred_date"] = v["preferred_date"]
    return {
        "channel": "letter", "urgent": False, "applicant": applicant,
        "purpose": given("purpose"), "form": form_part,
        "letter": {"number": given("letter_number"), "dated": v["letter_dated"] or "",
                   "addressed_to": given("addressed_to"), "sender": given("sender")},
    }


# -- the guest book (intake POST /visits) and a walk-in's request ----------------------------
VISIT_FIELDS: tuple[Field, ...] = (
    _f("name", N_("field.visit.name")),
    _f("organization", N_("field.visit.organization"), required=False),
    _f("phone", N_("field.visit.phone"), required=False),
    _f("identity_kind", N_("field.visit.identity_kind"), "select",
       options="identity_kinds", default="KTP"),
    _f("identity_number", N_("field.visit.identity_number")),
    _f("identity_valid_until", N_("field.visit.identity_valid_until"), "date", False),
    _f("purpose", N_("field.visit.purpose"), "textarea"),
)
WALK_IN_FIELDS: tuple[Field, ...] = (
    _f("applicant_name", N_("field.walk_in.applicant_name")),
    _f("subject", N_("field.walk_in.subject")),
    _f("purpose", N_("field.walk_in.purpose"), "textarea"),
    _f("participants", N_("field.walk_in.participants"), "number", default="1"),
    _f("urgent", N_("field.walk_in.urgent"), "checkbox", False),
)


def _values(fields: tuple[Field, ...], form: Any) -> dict[str, Any]:
    return {f.name: value_of(f, form) for f in fields}


def visit_body(form: Any) -> dict[str, Any]:
    v = _values(VISIT_FIELDS, form)
    identity: dict[str, Any] = {"kind": v["identity_kind"] or "KTP",
                                "number": v["identity_number"] or ""}
    if v["identity_valid_until"]:
        identity["valid_until"] = v["identity_valid_until"]
    out: dict[str, Any] = {"name": v["name"] or "", "purpose": v["purpose"] or "",
                           "identity": identity}
    for name in ("organization", "phone"):
        if v[name]:
            out[name] = v[name]
    return out


def walk_in_body(visit_id: str, form: Any) -> dict[str, Any]:
    v = _values(WALK_IN_FIELDS, form)
    return {"channel": "walk_in", "urgent": bool(v["urgent"]), "visit_id": visit_id,
            "applicant": {"name": v["applicant_name"] or ""}, "purpose": v["purpose"] or "",
            "form": {"subject": v["subject"] or "", "participants": v["participants"] or 1}}


# -- complaints (intake /complaints) --------------------------------------------------------
COMPLAINT_FIELDS: tuple[Field, ...] = (
    _f("channel", N_("field.complaint.channel"), "select", options="complaint_channels",
       default="in_person"),
    _f("lapor_tracking_id", N_("field.complaint.lapor_tracking_id"), required=False),
    _f("identity_kind", N_("field.complaint.identity_kind"), "select",
       False, "identity_kinds"),
    _f("identity_number", N_("field.complaint.identity_number"),
       required=False),
    _f("anonymous", N_("field.complaint.anonymous"), "checkbox", False),
    _f("confidential", N_("field.complaint.confidential"), "checkbox",
       False),
    _f("subject", N_("field.complaint.subject")),
    _f("content", N_("field.complaint.content"), "textarea"),
)

#: complaint steps: key -> (path under /complaints/{id}/, label, fields, states it fits)
COMPLAINT_STEPS: dict[str, Step] = {s.key: s for s in (
    Step("verification", "verification", N_("complaint_step.verification"), "intake",
         (_f("note", N_("field.complaint_verification.note"), "textarea", False),)),
    Step("routing", "routing", N_("complaint_step.routing"), "intake",
         (_f("division", N_("field.complaint_routing.division"), "select", options="divisions"),)),
    Step("response", "response", N_("complaint_step.response"), "intake",
         (_f("response", N_("field.complaint_response.response"), "textarea"),
          _f("channel", N_("field.complaint_response.channel"), "select",
             options="contact_channels", default="surat"))),
    Step("rejection", "rejection", N_("complaint_step.rejection"),
         "intake", (_f("reason", N_("field.complaint_rejection.reason"), "textarea"),)),
    Step("closure", "closure", N_("complaint_step.closure"), "intake",
         (_f("resolution", N_("field.complaint_closure.resolution"), "textarea"),)),
)}
COMPLAINT_NEXT = {"filed": ("verification", "rejection", "closure"),
                  "verified": ("routing", "response", "rejection", "closure"),
                  "responded": ("closure",)}


def complaint_body(form: Any) -> dict[str, Any]:
    v = _values(COMPLAINT_FIELDS, form)
    out: dict[str, Any] = {"channel": v["channel"] or "in_person",
                           "anonymous": bool(v["anonymous"]),
                           "confidential": bool(v["confidential"]),
                           "subject": v["subject"] or "", "content": v["content"] or ""}
    if v["identity_number"]:
        out["identity"] = {"kind": v["identity_kind"] or "KTP", "number": v["identity_number"]}
    if v["lapor_tracking_id"]:
        out["lapor_tracking_id"] = v["lapor_tracking_id"]
    return out


def complaint_step_body(step: str, form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in COMPLAINT_STEPS[step].fields:
        value = value_of(f, form)
        if value is None:
            if f.required:
                out[f.name] = ""
            continue
        out[f.name] = value
    return out
