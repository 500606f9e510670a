"""The console's strings by key, and the reader's language: `?lang=en|id` (kept in the
`lang` cookie), else the cookie, else Indonesian.

Every string is a msgid of the gettext catalogues (`l10n.py`, `locale/*/LC_MESSAGES/
console.po`): `text("key", lang, name=...)` here and `t("key", name=...)` in templates
translate one, `label(TABLE, value, lang)` names a status, queue, event or channel.

`T` holds `Text(id, en)` pairs not yet in the catalogues: they are shown as they are until
`python -m services.console.l10n import-texts` moves them (the unit tests fail while any is
left)."""

from __future__ import annotations

from chassis.i18n import Text

from .l10n import N_, Msg, lookup

LANGS = ("id", "en")
LANG_COOKIE = "lang"


def pick(query: str | None, cookie: str | None) -> str:
    for value in (query, cookie):
        if value in LANGS:
            return value
    return "id"


#: pairs waiting for `python -m services.console.l10n import-texts` (see the module's doc)
T: dict[str, Text] = {
}

QUEUES: dict[str, Msg] = {
    "to_dispose": N_("queue.to_dispose"),
    "to_close": N_("queue.to_close"),
    "to_receive": N_("queue.to_receive"),
    "to_assign": N_("queue.to_assign"),
    "to_forward": N_("queue.to_forward"),
    "in_progress": N_("queue.in_progress"),
    "to_inform": N_("queue.to_inform"),
    "to_hold": N_("queue.to_hold"),
    "to_report": N_("queue.to_report"),
    "walk_ins": N_("queue.walk_ins"),
    "walk_ins_waiting": N_("queue.walk_ins_waiting"),
    "complaints_to_verify": N_("queue.complaints_to_verify"),
    "complaints_to_respond": N_("queue.complaints_to_respond"),
    "complaints_routed": N_("queue.complaints_routed"),
    "escalated": N_("queue.escalated"),
}

STATUSES: dict[str, Msg] = {
    "requested": N_("status.requested"), "registered": N_("status.registered"),
    "disposed": N_("status.disposed"), "received": N_("status.received"),
    "assigned": N_("status.assigned"), "prepared": N_("status.prepared"),
    "informed": N_("status.informed"),
    "held": N_("status.held"),
    "reported": N_("status.reported"),
    "forwarded": N_("status.forwarded"),
    "closed": N_("status.closed"), "directed": N_("status.directed"),
    "declined": N_("status.declined"),
    "withdrawn": N_("status.withdrawn"), "cancelled": N_("status.cancelled"),
    "filed": N_("status.filed"), "verified": N_("status.verified"),
    "responded": N_("status.responded"), "rejected": N_("status.rejected"),
}

EVENTS: dict[str, Msg] = {
    "VisitorCheckedIn": N_("event.VisitorCheckedIn"),
    "AudienceRequested": N_("event.AudienceRequested"),
    "RequestRegistered": N_("event.RequestRegistered"),
    "ComplaintRouted": N_("event.ComplaintRouted"),
    "ComplaintRejected": N_("event.ComplaintRejected"),
    "CaseDisposed": N_("event.CaseDisposed"),
    "DispositionReturned": N_("event.DispositionReturned"),
    "DispositionReceived": N_("event.DispositionReceived"),
    "OfficerAssigned": N_("event.OfficerAssigned"),
    "OfficerReassigned": N_("event.OfficerReassigned"),
    "PreparationRecorded": N_("event.PreparationRecorded"),
    "StaffReviewSubmitted": N_("event.StaffReviewSubmitted"),
    "ApplicantInformed": N_("event.ApplicantInformed"),
    "AudienceRescheduled": N_("event.AudienceRescheduled"),
    "AudienceDeclined": N_("event.AudienceDeclined"),
    "WalkInDirected": N_("event.WalkInDirected"),
    "AudienceHeld": N_("event.AudienceHeld"),
    "ResultReportSubmitted": N_("event.ResultReportSubmitted"),
    "ResultReportReturned": N_("event.ResultReportReturned"),
    "ResultReportForwarded": N_("event.ResultReportForwarded"),
    "CaseClosed": N_("event.CaseClosed"),
    "CaseCancelled": N_("event.CaseCancelled"),
    "RequestWithdrawn": N_("event.RequestWithdrawn"),
    "ClockStarted": N_("event.ClockStarted"),
    "ClockStopped": N_("event.ClockStopped"),
    "ClockPaused": N_("event.ClockPaused"),
    "ClockResumed": N_("event.ClockResumed"),
    "ClockAtRisk": N_("event.ClockAtRisk"),
    "ClockBreached": N_("event.ClockBreached"),
    "EscalationRaised": N_("event.EscalationRaised"),
    "EscalationAcknowledged": N_("event.EscalationAcknowledged"),
    "EscalationResolved": N_("event.EscalationResolved"),
}
CHANNELS: dict[str, Msg] = {
    "letter": N_("channel.letter"), "walk_in": N_("channel.walk_in"),
}


#: msgids asked for with a computed key (`text(f"sla_{state}", ...)` in badges.py,
#: `t("sla_" ~ reason)` and `t("notification_" ~ kind)` in templates), named here for
#: `pybabel extract`
DYNAMIC = (N_("sla_on_track"), N_("sla_at_risk"), N_("sla_breached"), N_("sla_paused"),
           N_("sla_met"), N_("sla_cancelled"), N_("sla_none"),
           N_("notification_informed"), N_("notification_rescheduled"),
           N_("notification_declined"))


def text(key: str, lang: str, **values) -> str:
    """The catalogue's translation of `key`; a pair still in `T`; else the key itself."""
    found = lookup(key, lang)
    if found is None:
        found = T[key].get(lang) if key in T else key
    return found.format(**values) if values else found


def label(table: dict[str, Msg], key: str | None, lang: str) -> str:
    if key is None:
        return "—"
    found = table.get(key)
    return found.get(lang) if found else key
