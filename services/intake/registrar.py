"""The front desk's two books, kept by one writer: the guest book (*buku tamu*: visits) and the
agenda book (*buku agenda*: agenda numbers `AUD/<year>/<6 digits>`, gap-free per year). Pure.

The registrar agent consumes a single-partition topic, so commands are applied one at a time
in one order; it owns the counter. Each year's book holds the last number and the numbers
given to the most recent commands, in ONE table value (one changelog record): a command that
is redelivered after a crash finds its number there, or, if its book update was lost, the
book is exactly as it was when the command was first applied and gives it the same number
again (with the same deterministic event ids). Each numbered case's number is also kept under
its own key (written after the book), so a command retried long after it fell out of the
book's memory still gets its own number back. The registrar applies what is queued as a
batch with one produce flush; `next_number` says why a crash in the middle of one still
leaves no gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chassis.i18n import Text
from contracts.base import Event, Model
from contracts.intake import (
    Applicant,
    AudienceRequested,
    Identity,
    RequestRegistered,
    VisitorCheckedIn,
)

from .commands import CheckIn, RequestAudience
from .errors import DomainError, VisitRefused
from .wib import agenda_year, local_date

#: how many recent command ids each year's book remembers (redeliveries, retried keys)
RECENT = 512
#: a guest-book visit supports a walk-in request for this long after check-in
VISIT_VALID_FOR = timedelta(hours=12)


def agenda_number(year: int, n: int) -> str:
    return f"AUD/{year}/{n:06d}"


def book_key(year: int) -> str:
    return f"agenda:{year}"


def visit_key(visit_id: str) -> str:
    return f"visit:{visit_id}"


def case_key(case_id: str) -> str:
    return f"case:{case_id}"


class AgendaBook(Model):
    year: int
    last: int = 0
    recent: dict[str, int] = {}  # command id -> number: the RECENT highest numbers


class VisitRecord(Model):
    visit_id: str
    name: str
    organization: str | None = None
    phone: str | None = None
    purpose: str
    identity: Identity
    checked_in_at: datetime
    command_id: str
    used_by: str | None = None  # the case this visit's request created
    agenda_number: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the registrar does: publish `events`, store `book` / `visit` (None: unchanged),
    and answer. `replay`: the command was applied before; nothing is published."""

    events: list[Event] = field(default_factory=list)
    book: AgendaBook | None = None
    visit: VisitRecord | None = None
    agenda_number: str | None = None
    replay: bool = False
    case_number: str | None = None  # the agenda number to keep under case_key (after the book)


def check_in(existing: VisitRecord | None, cmd: CheckIn, command_id: str,
             at: datetime) -> Outcome:
    if existing is not None:  # the visit id comes from the command id: this is a replay
        return Outcome(visit=None, replay=True)
    event = VisitorCheckedIn(visit_id=cmd.visit_id, name=cmd.name,
                             organization=cmd.organization, phone=cmd.phone,
                             purpose=cmd.purpose, identity=cmd.identity, checked_in_at=at)
    record = VisitRecord(visit_id=cmd.visit_id, name=cmd.name, organization=cmd.organization,
                         phone=cmd.phone, purpose=cmd.purpose, identity=cmd.identity,
                         checked_in_at=at, command_id=command_id)
    return Outcome(events=[event], visit=record)


def register(book: AgendaBook | None, visit: VisitRecord | None, cmd: RequestAudience,
             command_id: str, at: datetime, case_number: str | None = None) -> Outcome:
    """Put a request on the agenda (urgent walk-ins get no agenda number). `case_number`:
    the number already recorded for this case id, if any."""
    year = agenda_year(at)
    book = book or AgendaBook(year=year)
    _check_shape(cmd)
    if cmd.channel == "walk_in":
        replay = _check_visit(visit, cmd, at)
        if replay is not None:
            return replay
    if not cmd.urgent and (command_id in book.recent or case_number is not None):
        number = (agenda_number(year, book.recent[command_id]) if command_id in book.recent
                  else case_number)
        return Outcome(visit=_used(visit, cmd.case_id, number), agenda_number=number,
                       replay=True, case_number=number)
    requested = AudienceRequested(
        case_id=cmd.case_id, channel=cmd.channel, urgent=cmd.urgent, visit_id=cmd.visit_id,
        applicant=_applicant(cmd, visit), purpose=cmd.purpose, form=cmd.form,
        letter=cmd.letter, requested_at=at, status_digest=cmd.status_digest)
    if cmd.urgent:
        return Outcome(events=[requested], visit=_used(visit, cmd.case_id, None))
    n = next_number(book)
    number = agenda_number(year, n)
    recent = remembered(book.recent, command_id, n)
    registered = RequestRegistered(case_id=cmd.case_id, agenda_number=number, registered_at=at)
    return Outcome(events=[requested, registered],
                   book=book.model_copy(update={"last": max(book.last, n), "recent": recent}),
                   visit=_used(visit, cmd.case_id, number), agenda_number=number,
                   case_number=number)


def next_number(book: AgendaBook) -> int:
    """The lowest number not given yet: `last + 1`, unless a number among the recent ones is
    still free. Only a batch in flight when the process died leaves one free: the registrar
    publishes a batch of registrations with one flush (`chassis.batching`), and its events
    go to different partitions of the intake topic, so a crash can leave a later number of
    the batch on the log and an earlier one not. The earlier command is redelivered (its
    offset was not committed) and the numbers of the batch before it are on the log or
    given again in the same order, so it takes its own number again: no gap, no number
    twice. Every number below the batch in flight is on the log (batches are applied one
    after the other), and a batch is far smaller than RECENT, so a free number is always
    among the recent ones."""
    if not book.recent:
        return book.last + 1
    taken = set(book.recent.values())
    low = min(taken)
    if book.last - low + 1 == len(taken):  # no hole: the usual case
        return book.last + 1
    return next(n for n in range(low, book.last + 2) if n not in taken)


def remembered(recent: dict[str, int], command_id: str, n: int) -> dict[str, int]:
    """`recent` with `command_id -> n`, keeping the RECENT highest numbers (so the same set
    whatever order the numbers come in: given one by one, or folded from the partitions)."""
    out = {**recent, command_id: n}
    while len(out) > RECENT:
        out.pop(min(out, key=out.__getitem__))
    return out


def _check_shape(cmd: RequestAudience) -> None:
    # the HTTP side refuses these with 422 already; the book never takes them
    if cmd.urgent and cmd.channel != "walk_in":
        raise DomainError(Text("Hanya permohonan langsung (walk-in) yang dapat mendesak",
                               "Only a walk-in request can be urgent"), field="urgent")
    if cmd.channel == "letter" and cmd.letter is None:
        raise DomainError(Text("Permohonan surat memerlukan data surat",
                               "A letter request needs its letter fields"), field="letter")
    if cmd.channel == "letter" and cmd.applicant is None:
        raise DomainError(Text("Data pemohon wajib diisi", "The applicant is required"),
                          field="applicant")


def _check_visit(visit: VisitRecord | None, cmd: RequestAudience,
                 at: datetime) -> Outcome | None:
    """Refuse a walk-in without a usable guest-book visit; an Outcome if this is a replay."""
    if visit is None:
        raise VisitRefused(Text(
            "Kunjungan tidak tercatat di buku tamu: pengunjung harus mengisi buku tamu dulu",
            "The visit is not in the guest book: the visitor must check in first"),
            field="visit_id")
    if visit.used_by == cmd.case_id:
        return Outcome(agenda_number=visit.agenda_number, replay=True)
    if visit.used_by is not None:
        raise VisitRefused(Text("Kunjungan ini sudah dipakai untuk permohonan lain",
                                "This visit was already used for another request"),
                           field="visit_id")
    if at - visit.checked_in_at > VISIT_VALID_FOR or at < visit.checked_in_at:
        raise VisitRefused(Text(
            "Kunjungan di buku tamu sudah lewat; pengunjung harus mengisi buku tamu lagi",
            "The guest-book visit is too old; the visitor must check in again"),
            field="visit_id")
    valid_until = visit.identity.valid_until
    if valid_until is not None and valid_until < local_date(at):
        raise VisitRefused(Text("Dokumen identitas pengunjung sudah kedaluwarsa",
                                "The visitor's identity document has expired"),
                           field="visit_id")
    return None


def _applicant(cmd: RequestAudience, visit: VisitRecord | None) -> Applicant:
    if visit is None:
        assert cmd.applicant is not None
        return cmd.applicant
    given = cmd.applicant
    return Applicant(
        name=given.name if given else visit.name,
        organization=(given.organization if given and given.organization
                      else visit.organization),
        contact=given.contact if given and given.contact else visit.phone,
        identity=visit.identity,
    )


def _used(visit: VisitRecord | None, case_id: str, number: str | None) -> VisitRecord | None:
    if visit is None or visit.used_by == case_id:
        return None
    return visit.model_copy(update={"used_by": case_id, "agenda_number": number})


# --- catching up with the topic (chassis.durability) -------------------------------------

REGISTRAR_TYPES = frozenset({"VisitorCheckedIn", "AudienceRequested", "RequestRegistered"})


def parse_agenda_number(number: str) -> tuple[int, int]:
    _, year, n = number.split("/")
    return int(year), int(n)


class BookFold:
    """The books as the registrar's own events on `audiensi.intake.v1` say they are: each
    published event is applied if the books do not show it yet. The agenda counter becomes
    the highest number on the topic for its year, so a lost book write can never hand out a
    number twice. Pure: `get(key)` reads the table's raw values; `apply` answers the writes."""

    def __init__(self) -> None:
        self.visit_of: dict[str, str] = {}  # case id -> the visit its request used

    def apply(self, get, env) -> dict[str, object]:
        data = env.data
        if isinstance(data, VisitorCheckedIn):
            if get(visit_key(data.visit_id)) is not None:
                return {}
            visit = VisitRecord(visit_id=data.visit_id, name=data.name,
                                organization=data.organization, phone=data.phone,
                                purpose=data.purpose, identity=data.identity,
                                checked_in_at=data.checked_in_at,
                                command_id=env.causationid or env.id)
            return {visit_key(data.visit_id): visit.model_dump(mode="json")}
        if isinstance(data, AudienceRequested):
            if data.visit_id is None:
                return {}
            self.visit_of[data.case_id] = data.visit_id
            raw = get(visit_key(data.visit_id))
            if raw is None or raw.get("used_by") is not None:
                return {}
            visit = VisitRecord.model_validate(raw)
            return {visit_key(visit.visit_id): visit.model_copy(
                update={"used_by": data.case_id}).model_dump(mode="json")}
        if isinstance(data, RequestRegistered):
            return self._registered(get, data, env.causationid)
        return {}

    def _registered(self, get, data: RequestRegistered, command_id: str | None
                    ) -> dict[str, object]:
        year, n = parse_agenda_number(data.agenda_number)
        writes: dict[str, object] = {}
        raw = get(book_key(year))
        book = AgendaBook.model_validate(raw) if raw is not None else AgendaBook(year=year)
        recent = dict(book.recent)
        if command_id and command_id not in recent:
            recent = remembered(recent, command_id, n)
        new = book.model_copy(update={"last": max(book.last, n), "recent": recent})
        if new != book:
            writes[book_key(year)] = new.model_dump(mode="json")
        if get(case_key(data.case_id)) is None:
            writes[case_key(data.case_id)] = data.agenda_number
        visit_id = self.visit_of.get(data.case_id)
        raw_visit = get(visit_key(visit_id)) if visit_id else None
        if raw_visit is not None and raw_visit.get("agenda_number") is None \
                and raw_visit.get("used_by") == data.case_id:
            writes[visit_key(visit_id)] = {**raw_visit, "agenda_number": data.agenda_number}
        return writes
