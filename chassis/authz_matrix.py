"""The authorization matrix as data: every HTTP route of every service × every caller (each
role of `config/org.yaml`, no token, and a valid token with no role) with the answer the
contract expects. Read it as the rule; `tests/e2e/test_authz_matrix.py` sends every cell to
the running services and `tests/unit/chassis/test_authz_matrix.py` fails when a service has
a route without a row. The document routes: the case file's rule (`services.documents.domain`).

Where a route names a case (or an escalation of a case), the division head and the officer
are asked twice: the head of the case's division (`division_head:own`, kabid-rehsos) and of
another one (`division_head:other`, kabid-linjamsos); the officer the case is assigned to
(`officer:assigned`, petugas-rehsos-1) and another officer of the same division
(`officer:other`, petugas-rehsos-2). Where a listing is asked for a division (`?division=`),
its head and another division's are asked. The cases the cells run against are letters disposed
to `rehsos` and brought to the row's `state` (an urgent walk-in for the direction).

The answers: `ALLOWED` (anything but 401 and 403: the role rule let the call through, a
409 or 404 after that is the workflow's business), `UNAUTHENTICATED` (401, no token) or
`FORBIDDEN` (403). A row's `allow` names the columns answered `ALLOWED`: a role (every
relation of it) or a `role:relation`; `PUBLIC` lets everyone through, no token too. Every
other caller with a token gets 403, without one 401.

The rules come from shared/design/API.md and SOP.md as narrowed by issue 15 (`chassis.scope`):
personal data of a case (intake's request, reporting's case file) only to the front office,
the secretariat, the Head of Office, the head of the case's division and its officer;
complaints to the front office, the secretariat and the Head of Office, and to the head of
the division a complaint was routed to.

What a cell cannot say: which items an allowed listing carries (`/escalations`, `/search`,
`/queues/mine`, `/clocks`, `/clocks/counts`, `/agenda` filter to the caller), nor the
answers of a subject in another state (a step asked too early is the workflow's 409).

Pure data: nothing here connects, reads a file or imports a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ALLOWED: Literal["allowed"] = "allowed"
UNAUTHENTICATED = 401
FORBIDDEN = 403
Expected = Literal["allowed", 401, 403]

PUBLIC = "*"  # in `allow`: everyone, without a token too

#: the seeded users (config/org.yaml) who stand for each role; None = no token
CALLERS: dict[str, str | None] = {
    "none": None,
    "front_office": "frontdesk",
    "secretariat": "sekretariat",
    "head_of_office": "kadis",
    "division_head": "kabid-rehsos",
    "division_head:own": "kabid-rehsos",
    "division_head:other": "kabid-linjamsos",
    "officer": "petugas-rehsos-1",
    "officer:assigned": "petugas-rehsos-1",
    "officer:other": "petugas-rehsos-2",
    "ops": "ops",
    "analyst": "analis",
    "admin": "admin",
    "no_role": "frontdesk",
}
#: claims a column's token carries instead of its user's (a valid token without any role)
CLAIMS: dict[str, dict] = {"no_role": {"roles": [], "division": None}}
ROLES = ("front_office", "secretariat", "head_of_office", "division_head", "officer", "ops",
         "analyst", "admin")
#: the services the table covers (those `tests/e2e/conftest.py` runs)
SERVICES = ("intake", "disposition", "sla", "reporting", "documents")
#: services that have no rows yet, and why (the unit test fails for any other one)
NOT_YET: dict[str, str] = {
    "console": "the web console signs people in with a session cookie, not a bearer token, "
               "and calls the services with the user's token (their answers are the cells "
               "here); its pages and forms are tested in tests/e2e/test_console.py",
}
#: the division the matrix's cases are disposed to (its head is `division_head:own`)
OWN_DIVISION = "rehsos"
#: the relations of a role to a subject
RELATIONS = {"division_head": ("own", "other"), "officer": ("assigned", "other")}

Kind = Literal["case", "complaint", "escalation", "division", "document"]
#: the roles asked in each relation, by what the route names
RELATED: dict[str, tuple[str, ...]] = {
    "case": ("division_head", "officer"), "escalation": ("division_head", "officer"),
    "division": ("division_head",), "complaint": (),
    "document": ("division_head", "officer"),
}


@dataclass(frozen=True)
class Subject:
    """What the route's path parameter names, and the state it is in when the cells run."""

    kind: Kind
    state: str


# the states the cells' subjects are in (the e2e test brings a real one to each)
REGISTERED = Subject("case", "registered")  # a letter on the agenda
DISPOSED = Subject("case", "disposed")  # disposed to rehsos
RECEIVED = Subject("case", "received")  # received by kabid-rehsos
ASSIGNED = Subject("case", "assigned")  # assigned to petugas-rehsos-1
INFORMED = Subject("case", "informed")  # the applicant informed of the audience
HELD = Subject("case", "held")
REPORTED = Subject("case", "reported")  # the report waits for the division head
FORWARDED = Subject("case", "forwarded")  # the report waits for the Head of Office
URGENT = Subject("case", "urgent")  # an urgent walk-in, not yet directed
FILED = Subject("complaint", "filed")
VERIFIED = Subject("complaint", "verified")
RESPONDED = Subject("complaint", "responded")
ESCALATED = Subject("escalation", "open")  # at-risk, to the heads of rehsos
DOCUMENT = Subject("document", "attached")  # a PDF the officer attached to an assigned case
DIVISION = Subject("division", OWN_DIVISION)  # a listing asked for rehsos (`?division=`)


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    allow: frozenset[str]
    subject: Subject | None = None
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.service} {self.method} {self.path}"

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def columns(self) -> tuple[str, ...]:
        """The callers asked: no token, each role, and for a case or an escalation both
        relations of the division head and of the officer (of the head for a division)."""
        related = RELATED[self.subject.kind] if self.subject is not None else ()
        out = ["none"]
        for role in ROLES:
            if role in related:
                out += [f"{role}:{rel}" for rel in RELATIONS[role]]
            else:
                out.append(role)
        return (*out, "no_role")

    def expected(self, column: str) -> Expected:
        if PUBLIC in self.allow:
            return ALLOWED
        if CALLERS[column] is None:
            return UNAUTHENTICATED
        role = column.split(":", 1)[0]
        return ALLOWED if column in self.allow or role in self.allow else FORBIDDEN


def _r(service: str, method: str, path: str, *allow: str, subject: Subject | None = None,
       note: str = "") -> Route:
    return Route(service, method, path, frozenset(allow), subject, note)


STAFF = ROLES
PROBES = [
    _r(service, "GET", path, PUBLIC, note="process probes and Prometheus: no token")
    for service in SERVICES
    for path in ("/healthz", "/readyz", "/metrics")
]
#: the routes left out of a service's OpenAPI (`include_in_schema=False`)
NOT_IN_SCHEMA = frozenset({("GET", "/metrics")})

INTAKE = [
    _r("intake", "POST", "/visits", "front_office"),
    _r("intake", "POST", "/requests", "front_office", "secretariat"),
    _r("intake", "POST", "/requests/{case_id}/withdrawal", "front_office", "secretariat",
       subject=REGISTERED),
    _r("intake", "GET", "/requests/{case_id}", "front_office", "secretariat", "head_of_office",
       "division_head:own", "officer:assigned", subject=ASSIGNED,
       note="scoped like the case file (chassis.scope): ops, analyst, admin read no people"),
    _r("intake", "POST", "/complaints", "front_office", "secretariat"),
    _r("intake", "POST", "/complaints/{complaint_id}/verification", "secretariat",
       subject=FILED),
    _r("intake", "POST", "/complaints/{complaint_id}/response", "secretariat",
       "head_of_office", subject=VERIFIED,
       note="a division head passes the role gate but is refused (403) by the complaint's "
            "owner unless it was routed to their division"),
    _r("intake", "POST", "/complaints/{complaint_id}/routing", "secretariat",
       subject=VERIFIED),
    _r("intake", "POST", "/complaints/{complaint_id}/rejection", "secretariat",
       subject=FILED),
    _r("intake", "POST", "/complaints/{complaint_id}/closure", "secretariat", "head_of_office",
       subject=RESPONDED),
    _r("intake", "GET", "/complaints/{tracking_id}", "front_office", "secretariat",
       "head_of_office", subject=FILED,
       note="not routed: heads (past the role gate, refused by the owner) and officers 403"),
    _r("intake", "POST", "/identities/erasure", "admin", note="by case id"),
]

DISPOSITION = [
    _r("disposition", "POST", "/cases/{case_id}/disposition", "head_of_office",
       subject=REGISTERED),
    _r("disposition", "POST", "/cases/{case_id}/receipt", "division_head:own",
       subject=DISPOSED),
    _r("disposition", "POST", "/cases/{case_id}/assignment", "division_head:own",
       subject=RECEIVED),
    _r("disposition", "POST", "/cases/{case_id}/preparation", "officer:assigned",
       subject=ASSIGNED, note="a division head who is not the case's officer: 403"),
    _r("disposition", "POST", "/cases/{case_id}/staff-review", "officer:assigned",
       subject=ASSIGNED),
    _r("disposition", "POST", "/cases/{case_id}/notification", "officer:assigned",
       subject=ASSIGNED),
    _r("disposition", "POST", "/cases/{case_id}/direction", "front_office", "secretariat",
       subject=URGENT),
    _r("disposition", "POST", "/cases/{case_id}/audience", "officer:assigned",
       subject=INFORMED),
    _r("disposition", "POST", "/cases/{case_id}/report", "officer:assigned", subject=HELD),
    _r("disposition", "POST", "/cases/{case_id}/report/forwarding", "division_head:own",
       subject=REPORTED),
    _r("disposition", "POST", "/cases/{case_id}/closure", "head_of_office",
       subject=FORWARDED),
    _r("disposition", "POST", "/cases/{case_id}/cancellation", "head_of_office",
       subject=ASSIGNED),
    _r("disposition", "POST", "/cases/{case_id}/reassignment", "division_head:own",
       subject=ASSIGNED),
    _r("disposition", "POST", "/cases/{case_id}/rescheduling", "officer:assigned",
       subject=INFORMED),
    _r("disposition", "POST", "/cases/{case_id}/declination", "officer:assigned",
       "division_head:own", subject=ASSIGNED),
    _r("disposition", "POST", "/cases/{case_id}/report/return", "division_head:own",
       subject=REPORTED,
       note="while the report waits for the division head, the Head of Office gets 403"),
    _r("disposition", "POST", "/cases/{case_id}/disposition/return", "division_head:own",
       subject=DISPOSED),
    _r("disposition", "GET", "/cases/{case_id}", *STAFF, subject=ASSIGNED,
       note="the workflow's state and next steps, no personal data: any staff role"),
]

SLA = [
    _r("sla", "GET", "/clocks", "ops", "head_of_office", "division_head", "analyst"),
    _r("sla", "GET", "/clocks/counts", "ops", "head_of_office", "division_head", "analyst",
       note="the open clocks by state (the ops board); a division head's division only"),
    _r("sla", "GET", "/escalations", "ops", "head_of_office", "division_head", "secretariat",
       note="each sees the escalations addressed to them"),
    _r("sla", "POST", "/escalations/{escalation_id}/acknowledgement", "ops", "head_of_office",
       "division_head:own", subject=ESCALATED,
       note="an escalation to the heads of rehsos: the secretariat and other heads 403"),
    _r("sla", "GET", "/policies", *STAFF),
]

REPORTING = [
    _r("reporting", "GET", "/cases", "analyst", "ops", "head_of_office", "division_head:own",
       subject=DIVISION, note="a division head lists their own division's cases only"),
    _r("reporting", "GET", "/cases/{case_id}", "analyst", "ops", "head_of_office",
       "division_head:own", subject=ASSIGNED),
    _r("reporting", "GET", "/exports/cases.csv", "analyst"),
    _r("reporting", "GET", "/queues/mine", *STAFF),
    _r("reporting", "GET", "/cases/{case_id}/file", "front_office", "secretariat",
       "head_of_office", "division_head:own", "officer:assigned", subject=ASSIGNED),
    *[_r("reporting", "GET", f"/cases/{{case_id}}/{pdf}", "front_office", "secretariat",
         "head_of_office", "division_head:own", "officer:assigned", subject=ASSIGNED,
         note="printable PDFs: the case file's readers")
      for pdf in ("receipt.pdf", "disposition-sheet.pdf", "report.pdf")],
    _r("reporting", "GET", "/search", "front_office", "secretariat", "head_of_office",
       "division_head", "officer", note="the results are scoped like the case file"),
    _r("reporting", "GET", "/guestbook", "front_office", "secretariat"),
    _r("reporting", "GET", "/complaints", "secretariat", "head_of_office"),
    *[_r("reporting", "GET", path, "front_office", "secretariat", "head_of_office",
         "division_head:own", subject=DIVISION,
         note="the agenda book: a division head reads their own division's letters only")
      for path in ("/agenda", "/agenda.csv")],
    _r("reporting", "GET", "/stats/sla", "analyst", "ops", "head_of_office"),
    _r("reporting", "GET", "/stats/lead-times", "analyst", "head_of_office"),
    _r("reporting", "GET", "/stats/workload", "analyst", "ops", "head_of_office"),
    _r("reporting", "GET", "/stats/volume", "analyst", "head_of_office"),
    _r("reporting", "GET", "/stats/complaints", "analyst", "head_of_office"),
    _r("reporting", "GET", "/admin/projections", "admin", "ops"),
    _r("reporting", "GET", "/admin/projections/rebuild", "admin", "ops"),
    _r("reporting", "POST", "/admin/projections/rebuild", "admin"),
    _r("reporting", "GET", "/public/status", PUBLIC,
       note="the citizen's lookup: no token; a wrong code answers 404 like an unknown one"),
    _r("reporting", "GET", "/escalations/stream", "ops", "head_of_office", "division_head",
       "secretariat", note="Server-Sent Events: the answer's status, then closed"),
]

CASE_FILE_READERS = ("front_office", "secretariat", "head_of_office", "division_head:own",
                     "officer:assigned")
DOCUMENTS = [
    _r("documents", "POST", "/cases/{case_id}/documents", "officer:assigned",
       "division_head:own", subject=ASSIGNED,
       note="kind `lainnya`, one of the case's own: the office's kinds are letters and "
            "referrals, so the front office and the secretariat get 403 for it"),
    _r("documents", "GET", "/cases/{case_id}/documents", *CASE_FILE_READERS, subject=ASSIGNED),
    _r("documents", "GET", "/documents/{document_id}", *CASE_FILE_READERS, subject=DOCUMENT),
    _r("documents", "DELETE", "/documents/{document_id}", "officer:assigned", subject=DOCUMENT,
       note="only who attached it (here the case's officer)"),
]

ROUTES: tuple[Route, ...] = (*PROBES, *INTAKE, *DISPOSITION, *SLA, *REPORTING, *DOCUMENTS)


@dataclass(frozen=True)
class Cell:
    route: Route
    column: str
    expected: Expected

    @property
    def user(self) -> str | None:
        return CALLERS[self.column]

    @property
    def id(self) -> str:
        return f"{self.route.name} as {self.column}"


def cells(routes: tuple[Route, ...] = ROUTES) -> list[Cell]:
    """Every route × every caller, in the table's order."""
    return [Cell(r, col, r.expected(col)) for r in routes for col in r.columns()]
