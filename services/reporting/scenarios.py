"""Synthetic case histories (valid envelopes, as the owning services would publish them) for
tests, the benchmark and demos. Pure and deterministic: same arguments, same envelopes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from contracts import Envelope, deterministic_id, envelope
from contracts import complaints as c
from contracts import disposition as d
from contracts import intake as i
from contracts import sla as s
from contracts.sealed import sample

#: the text behind each sample token: the tokens open to nothing, so a test that hands
#: scenarios to a running service re-seals them with that service's key store first
TEXTS: dict[str, str] = {}


def sealed(text: str, key_id: str = "sample:0") -> str:
    token = sample(text, key_id)
    TEXTS[token] = text
    return token


T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # Monday 08:30 WIB
LETTER_STEPS = ("requested", "registered", "disposed", "received", "assigned", "prepared",
                "informed", "held", "reported", "forwarded", "closed")
WALK_IN_STEPS = ("requested", "directed", "held", "reported", "forwarded", "closed")
ESC = "sla/escalations"  # the SLA service's source on the escalations topic (own sequence)
DIVISIONS = ("rehsos", "linjamsos", "dayasos", "pmd")
OFFICERS = {"rehsos": ("petugas-rehsos-1", "petugas-rehsos-2"),
            "linjamsos": ("petugas-linjamsos-1",), "dayasos": ("petugas-dayasos-1",),
            "pmd": ("petugas-pmd-1",)}


def identity(n: int) -> i.Identity:
    return i.Identity(kind="KTP", masked=sealed(f"1971**********{n % 100:02d}"), ref=f"hmac:{n}",
                      sealed=sealed("1971015708900001"), key_id=f"k-{n}")


class _Writer:
    """Assigns per-(subject, source) sequences and deterministic ids, like the services."""

    def __init__(self) -> None:
        self.seq: dict[tuple[str, str], int] = {}
        self.out: list[Envelope] = []

    def emit(self, source: str, event, at: datetime) -> None:
        key = (event.subject_id(), source)
        self.seq[key] = self.seq.get(key, 0) + 1
        n = self.seq[key]
        self.out.append(envelope(event, source=source, sequence=n, time=at,
                                 id=deterministic_id("scenario", key[0], source, n)))


def _clock(w: _Writer, case: str, policy: str, start: datetime, due: timedelta,
           stop: datetime | None, breach: bool, division: str | None, to_role: str) -> None:
    clock = deterministic_id("clock", case, policy, 1)
    due_at = start + due
    w.emit("sla", s.ClockStarted(clock_id=clock, case_id=case, policy_id=policy,
                                 started_at=start, due_at=due_at, calendar_id="office"), start)
    if breach:
        risk = start + due * 0.75
        w.emit("sla", s.ClockAtRisk(clock_id=clock, case_id=case, policy_id=policy,
                                    threshold_pct=75, due_at=due_at), risk)
        w.emit(ESC, s.EscalationRaised(
            escalation_id=deterministic_id(clock, 1, "at_risk"), clock_id=clock, case_id=case,
            policy_id=policy, level=1, reason="at_risk", to_role=to_role, to_division=division,
            due_at=due_at, raised_at=risk), risk)
        w.emit("sla", s.ClockBreached(clock_id=clock, case_id=case, policy_id=policy,
                                      due_at=due_at, breached_at=due_at), due_at)
        esc = deterministic_id(clock, 2, "breached")
        w.emit(ESC, s.EscalationRaised(
            escalation_id=esc, clock_id=clock, case_id=case, policy_id=policy, level=2,
            reason="breached", to_role=to_role, to_division=division, due_at=due_at,
            raised_at=due_at), due_at)
        ack = s.EscalationAcknowledged(escalation_id=esc, case_id=case, acknowledged_by="ops")
        w.emit(ESC, ack, due_at + timedelta(minutes=5))
    if stop is not None:
        outcome = "breached" if breach else "met"
        w.emit("sla", s.ClockStopped(clock_id=clock, case_id=case, policy_id=policy,
                                     outcome=outcome, stopped_at=stop,
                                     elapsed_working_seconds=(stop - start).total_seconds()), stop)
        if breach:
            for level, reason in ((1, "at_risk"), (2, "breached")):
                w.emit(ESC, s.EscalationResolved(
                    escalation_id=deterministic_id(clock, level, reason), case_id=case,
                    resolution="clock_met_late"), stop)


def letter_case(case: str, *, at: datetime = T0, division: str = "rehsos",
                officer: str | None = None, until: str = "closed", breach: bool = False,
                n: int = 1, name: str = "Budi Santoso") -> list[Envelope]:
    """A letter request up to (and including) step `until`; `breach`: informed late."""
    officer = officer or OFFICERS.get(division, ("petugas-1",))[0]
    w = _Writer()
    reach = LETTER_STEPS[: LETTER_STEPS.index(until) + 1] if until in LETTER_STEPS else ()
    h = timedelta(hours=1)
    w.emit("intake", i.AudienceRequested(
        case_id=case, channel="letter",
        applicant=i.Applicant(name=sealed(name), identity=identity(n)),
        purpose=sealed("konsultasi bantuan sosial"),
        form=i.RequestForm(subject="PKH", participants=2),
        letter=i.Letter(number=f"{n:03d}/2026", dated=date(2026, 3, 1), addressed_to="Kadis",
                        sender=sealed("Desa Air Itam")), requested_at=at), at)
    if "registered" in reach:
        w.emit("intake", i.RequestRegistered(case_id=case, agenda_number=f"AUD/2026/{n:06d}",
                                             registered_at=at + timedelta(minutes=5)),
               at + timedelta(minutes=5))
    steps = [
        ("disposed", 1, d.CaseDisposed(case_id=case, division=division, instructions="tindak",
                                       priority="segera", disposed_by="kadis")),
        ("received", 2, d.DispositionReceived(case_id=case, division=division,
                                              received_by=f"kabid-{division}")),
        ("assigned", 3, d.OfficerAssigned(case_id=case, officer_id=officer,
                                          assigned_by=f"kabid-{division}")),
        ("prepared", 4, d.PreparationRecorded(case_id=case, administration="ok",
                                              materials="ok", equipment="ok")),
    ]
    for step, hours, event in steps:
        if step in reach:
            w.emit("disposition", event, at + hours * h)
    received = at + 2 * h
    informed = at + (30 if breach else 5) * h
    if "received" in reach:
        stop = informed if "informed" in reach else None
        _clock(w, case, "inform-applicant", received, timedelta(hours=24), stop, breach,
               division, "division_head")
    tail = [
        ("informed", informed, d.ApplicantInformed(case_id=case, channel="phone", message="jadwal",
                                                   informed_by=officer)),
        ("held", at + 50 * h, d.AudienceHeld(case_id=case, held_at=at + 50 * h,
                                             attendees=[sealed(name)])),
        ("reported", at + 72 * h, d.ResultReportSubmitted(case_id=case, summary="hasil",
                                                          advice="saran", submitted_by=officer)),
        ("forwarded", at + 73 * h, d.ResultReportForwarded(case_id=case,
                                                           forwarded_by=f"kabid-{division}")),
        ("closed", at + 96 * h, d.CaseClosed(case_id=case, closed_by="kadis", outcome="selesai")),
    ]
    for step, when, event in tail:
        if step in reach:
            w.emit("disposition", event, when)
    return w.out


def walk_in_case(case: str, *, at: datetime = T0, officer: str = "petugas-rehsos-1",
                 division: str | None = "rehsos", until: str = "closed", late: bool = False,
                 n: int = 1,
                 name: str = "Siti Aminah") -> list[Envelope]:
    w = _Writer()
    reach = WALK_IN_STEPS[: WALK_IN_STEPS.index(until) + 1]
    w.emit("intake", i.AudienceRequested(
        case_id=case, channel="walk_in", urgent=True,
        applicant=i.Applicant(name=sealed(name), identity=identity(n)), purpose=sealed("darurat"),
        form=i.RequestForm(subject="bencana", participants=1), requested_at=at), at)
    directed = at + timedelta(minutes=45 if late else 10)
    _clock(w, case, "direct-walk-in", at, timedelta(minutes=30),
           directed if "directed" in reach else None, late, None, "head_of_office")
    tail = [
        ("directed", directed, d.WalkInDirected(case_id=case, officer_id=officer,
                                                directed_by="frontdesk", division=division)),
        ("held", at + timedelta(hours=1), d.AudienceHeld(case_id=case,
                                                         held_at=at + timedelta(hours=1))),
        ("reported", at + timedelta(hours=3), d.ResultReportSubmitted(
            case_id=case, summary="hasil", advice="saran", submitted_by=officer)),
        ("forwarded", at + timedelta(hours=4), d.ResultReportForwarded(
            case_id=case, forwarded_by="kabid-rehsos")),
        ("closed", at + timedelta(hours=24), d.CaseClosed(case_id=case, closed_by="kadis",
                                                          outcome="selesai")),
    ]
    for step, when, event in tail:
        if step in reach:
            w.emit("disposition", event, when)
    return w.out


def complaint(complaint_id: str, *, at: datetime = T0, channel: str = "sp4n_lapor",
              closed: bool = True) -> list[Envelope]:
    w = _Writer()
    w.emit("intake", c.ComplaintFiled(complaint_id=complaint_id,
                                      tracking_id=f"ADU-{complaint_id[-6:].upper()}",
                                      channel=channel, subject="layanan", content=sealed("lambat"),
                                      filed_at=at), at)
    verified = at + timedelta(days=1)
    _clock(w, complaint_id, "complaint-verify", at, timedelta(days=3),
           verified if closed else None, False, None, "secretariat")
    if closed:
        w.emit("intake", c.ComplaintVerified(complaint_id=complaint_id,
                                             verified_by="sekretariat", verified_at=verified),
               verified)
        w.emit("intake", c.ComplaintClosed(complaint_id=complaint_id, resolution="selesai",
                                           closed_at=verified + timedelta(days=1)),
               verified + timedelta(days=1))
    return w.out


def visit(visit_id: str, *, at: datetime = T0, n: int = 1) -> list[Envelope]:
    w = _Writer()
    w.emit("intake", i.VisitorCheckedIn(visit_id=visit_id, name=sealed("Tamu"),
                                        purpose=sealed("audiensi"),
                                        identity=identity(n), checked_in_at=at), at)
    return w.out


def population(cases: int, *, seed: int = 7, start: datetime = T0,
               prefix: str = "case") -> list[Envelope]:
    """`cases` varied histories over ~60 days: letters (every status, some late), urgent
    walk-ins, complaints and guest-book visits."""
    rnd = random.Random(seed)
    out: list[Envelope] = []
    for k in range(cases):
        at = start + timedelta(days=rnd.randrange(60), minutes=rnd.randrange(480))
        kind = rnd.random()
        subject = f"{prefix}-{k:06d}"
        if kind < 0.65:
            division = rnd.choice(DIVISIONS)
            out += letter_case(subject, at=at, division=division,
                               officer=rnd.choice(OFFICERS[division]),
                               until=rnd.choice(LETTER_STEPS + ("closed",) * 4),
                               breach=rnd.random() < 0.2, n=k)
        elif kind < 0.8:
            out += walk_in_case(subject, at=at, until=rnd.choice(WALK_IN_STEPS),
                                late=rnd.random() < 0.3, n=k)
        elif kind < 0.92:
            out += complaint(subject, at=at, channel=rnd.choice(
                ("in_person", "letter", "website", "sp4n_lapor")), closed=rnd.random() < 0.7)
        else:
            out += visit(subject, at=at, n=k)
    return out
