"""Every cell of the authorization matrix (chassis/authz_matrix.py) sent to the whole running
system (a Kafka, a Redis and the four services of its own): each route as each caller (no
token, and a token without a role, too) against real cases and complaints in the row's state.

A denied cell must answer exactly its status (401 or 403). An allowed one anything but 401,
403 or a 5xx. A command that is allowed changes its subject, so each allowed command cell
gets a case (complaint, escalation) of its own in the row's state, so it answers 2xx; the
denied cells and the reads share one per state. The rebuild of reporting's projections runs last."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from chassis import authz_matrix as m
from tests.e2e.client import TRANSIENT, Api
from tests.e2e.conftest import FAST_POLICIES, INFORM_SECONDS, WALKIN_SECONDS, running_system
from tests.integration.intake.support import NIK_3, ktp, letter_body, visit_body
from tests.support.auth import auth
from tests.support.waiting import eventually_sync

OFFICER, COLLEAGUE, HEAD = "petugas-rehsos-1", "petugas-rehsos-2", "kabid-rehsos"
RETRY_FOR = 20.0  # a 502/503/504 (a service restarting, a reply late) is sent again


def _later(days: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


#: the body each command is sent with (valid, so an allowed cell does the step)
BODIES: dict[tuple[str, str], Callable[[], Any]] = {
    ("intake", "/visits"): lambda: visit_body(NIK_3, name="Rina Matriks"),
    ("intake", "/requests"): letter_body,
    ("intake", "/requests/{case_id}/withdrawal"): lambda: {"reason": "tidak jadi"},
    ("intake", "/complaints"): lambda: {
        "channel": "letter", "identity": ktp(NIK_3), "subject": "Layanan",
        "content": "Belum dijawab.", "confidential": False},
    ("intake", "/complaints/{complaint_id}/verification"): lambda: {},
    ("intake", "/complaints/{complaint_id}/response"): lambda: {"response": "Sudah ditangani.",
                                                                "channel": "surat"},
    ("intake", "/complaints/{complaint_id}/routing"): lambda: {"division": m.OWN_DIVISION},
    ("intake", "/complaints/{complaint_id}/rejection"): lambda: {"reason": "Pesan promosi"},
    ("intake", "/complaints/{complaint_id}/closure"): lambda: {"resolution": "Selesai."},
    ("disposition", "/cases/{case_id}/disposition"): lambda: {
        "division": m.OWN_DIVISION, "instructions": "Mohon ditindaklanjuti"},
    ("disposition", "/cases/{case_id}/receipt"): lambda: {},
    ("disposition", "/cases/{case_id}/assignment"): lambda: {"officer_id": OFFICER},
    ("disposition", "/cases/{case_id}/preparation"): lambda: {
        "administration": "undangan", "materials": "data", "equipment": "ruang rapat"},
    ("disposition", "/cases/{case_id}/staff-review"): lambda: {"summary": "Telaahan"},
    ("disposition", "/cases/{case_id}/notification"): lambda: {
        "channel": "telepon", "message": "Audiensi dijadwalkan", "scheduled_for": _later()},
    ("disposition", "/cases/{case_id}/direction"): lambda: {"officer_id": OFFICER},
    ("disposition", "/cases/{case_id}/audience"): lambda: {
        "held_at": datetime.now(UTC).isoformat(), "attendees": ["Pemohon"]},
    ("disposition", "/cases/{case_id}/report"): lambda: {
        "summary": "Audiensi selesai", "advice": "Ajukan melalui desa"},
    ("disposition", "/cases/{case_id}/report/forwarding"): lambda: {},
    ("disposition", "/cases/{case_id}/closure"): lambda: {"outcome": "selesai"},
    ("disposition", "/cases/{case_id}/cancellation"): lambda: {"reason": "ganda"},
    ("disposition", "/cases/{case_id}/reassignment"): lambda: {
        "officer_id": COLLEAGUE, "reason": "cuti"},
    ("disposition", "/cases/{case_id}/rescheduling"): lambda: {
        "scheduled_for": _later(3), "channel": "telepon", "message": "Jadwal diundur"},
    ("disposition", "/cases/{case_id}/declination"): lambda: {
        "reason": "bukan kewenangan", "channel": "surat", "message": "Mohon maaf"},
    ("disposition", "/cases/{case_id}/report/return"): lambda: {"note": "lengkapi"},
    ("disposition", "/cases/{case_id}/disposition/return"): lambda: {"reason": "salah bidang"},
    ("sla", "/escalations/{escalation_id}/acknowledgement"): lambda: {"note": "ditangani"},
    ("reporting", "/admin/projections/rebuild"): lambda: None,
}
#: the query each read needs
PARAMS: dict[tuple[str, str], dict[str, str]] = {
    ("reporting", "/search"): {"q": "Budi"},
    ("reporting", "/guestbook"): {"date": date.today().isoformat()},
    ("reporting", "/public/status"): {"reference": "AUD/2026/000001", "code": "ABCDEFGH"},
}
ERASURE = ("intake", "/identities/erasure")
UPLOAD = ("documents", "/cases/{case_id}/documents")
DOCUMENT_KIND = "lainnya"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STREAM = ("reporting", "/escalations/stream")
#: the steps that bring a letter (disposed to rehsos) to each state, in order
LETTER_STEPS = [
    ("disposed", "disposition", "kadis"), ("received", "receipt", HEAD),
    ("assigned", "assignment", HEAD), ("informed", "notification", OFFICER),
    ("held", "audience", OFFICER), ("reported", "report", OFFICER),
    ("forwarded", "report/forwarding", HEAD),
]
COMPLAINT_STEPS = [("verified", "verification", "sekretariat"),
                   ("responded", "response", "sekretariat")]


def _ordered(cells: list[m.Cell]) -> list[m.Cell]:
    """The table's order, the rebuild of the projections last (it replays every topic)."""
    return sorted(cells, key=lambda c: c.route.name == "reporting POST /admin/projections/rebuild")


CELLS = _ordered(m.cells())


def _fresh(cell: m.Cell) -> bool:
    """An allowed command changes its subject: it gets one of its own."""
    if (cell.route.service, cell.route.method) == ("documents", "POST"):
        return False  # one more document on the case changes nothing another cell asks
    return cell.route.writes and cell.expected == m.ALLOWED and _subject(cell) is not None


def _subject(cell: m.Cell) -> m.Subject | None:
    """What the cell's request names that the setup must make (a division is just asked)."""
    if (cell.route.service, cell.route.path) == ERASURE:
        return m.REGISTERED  # erased by case id
    s = cell.route.subject
    return s if s is not None and s.kind != "division" else None


def make_case(api: Api, state: str) -> str:
    if state == "urgent":
        visit = api.post("intake", "/visits", "frontdesk", visit_body(NIK_3, name="Rina"))
        return api.walk_in_request(visit["visit_id"], urgent=True)["case_id"]
    case_id = api.letter_request()["case_id"]
    for reached, step, user in LETTER_STEPS:
        if state == "registered":
            break
        api.step(case_id, step, user, BODIES[("disposition", f"/cases/{{case_id}}/{step}")]())
        if reached == state:
            break
    return case_id


def make_complaint(api: Api, state: str) -> dict:
    complaint = api.post("intake", "/complaints", "frontdesk",
                         BODIES[("intake", "/complaints")]())
    for reached, step, user in COMPLAINT_STEPS:
        if state == "filed":
            break
        api.post("intake", f"/complaints/{complaint['complaint_id']}/{step}", user,
                 BODIES[("intake", f"/complaints/{{complaint_id}}/{step}")]())
        if reached == state:
            break
    return complaint


class World:
    """The real subjects the cells' path parameters name: one per state (shared), and one
    per allowed command cell (its own)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.shared: dict[m.Subject, Any] = {}
        self.own: dict[str, Any] = {}
        self.answers: list[tuple[m.Cell, int]] = []

    def build(self) -> None:
        states = {s for c in CELLS if (s := _subject(c)) is not None and s.kind != "document"}
        jobs: list[tuple[str, m.Subject]] = [("shared", s) for s in states]
        jobs += [(c.id, _subject(c)) for c in CELLS if _fresh(c) and c.route.service != "documents"]
        with ThreadPoolExecutor(6) as pool:
            made = list(pool.map(lambda job: self._make(job[1]), jobs))
        for (owner, subject), value in zip(jobs, made, strict=True):
            if owner == "shared":
                self.shared[subject] = value
            else:
                self.own[owner] = value
        self._wait_for_the_read_sides()
        # documents on the assigned case: one shared, one per allowed removal
        self.shared[m.DOCUMENT] = self._document(self.api)
        for c in CELLS:
            if _fresh(c) and c.route.service == "documents":
                self.own[c.id] = self._document(self.api)

    def _make(self, subject: m.Subject) -> Any:
        api = Api(self.api.urls, retry_for=RETRY_FOR)
        if subject.kind == "case":
            return make_case(api, subject.state)
        if subject.kind == "escalation":
            return self._escalation(api, make_case(api, "received"))
        if subject.kind == "document":
            return self._document(api)
        return make_complaint(api, subject.state)

    @staticmethod
    def _escalation(api: Api, case_id: str) -> str:
        """An escalation of a received letter (its clock runs seconds) addressed to the
        heads of rehsos (at risk, or breached if the ticker was late)."""

        def raised() -> list[dict]:
            return api.get("sla", "/escalations", "ops", params={"case_id": case_id})["items"]

        try:
            items = eventually_sync(raised, lambda items: any(
                e["to_role"] == "division_head" and e["to_division"] == m.OWN_DIVISION
                for e in items), timeout=60, retry_on=TRANSIENT)
        except AssertionError as exc:
            clocks = api.get("sla", "/clocks", "ops", params={"case_id": case_id})
            case = api.get("disposition", f"/cases/{case_id}", "kadis")
            raise AssertionError(f"no escalation of {case_id}: clocks {clocks}, case "
                                 f"{case['status']} {case['history']}") from exc
        return next(e["escalation_id"] for e in items if e["to_role"] == "division_head")

    def _document(self, api: Api) -> str:
        """A PDF the case's officer attaches to the assigned case."""
        case_id = self.shared[m.ASSIGNED]
        r = api.http.post(f"{api.urls['documents']}/cases/{case_id}/documents",
                          headers=auth(OFFICER), data={"kind": DOCUMENT_KIND},
                          files={"file": ("surat.pdf", PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        return r.headers["Location"].rsplit("/", 1)[-1]

    def _wait_for_the_read_sides(self) -> None:
        """Intake and reporting learn where the case went from disposition's events: the
        scoped reads are asked once they know (else a 404 or 403 of not knowing yet)."""
        case_id = self.shared[m.ASSIGNED]
        for service, path, user in (
                ("intake", f"/requests/{case_id}", OFFICER),
                ("reporting", f"/cases/{case_id}/file", OFFICER),
                ("reporting", f"/cases/{case_id}", HEAD),
                ("documents", f"/cases/{case_id}/documents", OFFICER),
                ("documents", f"/cases/{case_id}/documents", HEAD)):
            eventually_sync(lambda s=service, p=path, u=user: self.api.get(s, p, u),
                            timeout=30, retry_on=TRANSIENT)

    def subject_of(self, cell: m.Cell) -> Any:
        subject = _subject(cell)
        if subject is None:
            return None
        return self.own[cell.id] if _fresh(cell) else self.shared[subject]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """The e2e system with the object store and the documents service too."""
    policies = FAST_POLICIES.format(inform=INFORM_SECONDS, walkin=WALKIN_SECONDS)
    with running_system(tmp_path_factory.mktemp("authz"), policies, documents=True) as running:
        yield running


@pytest.fixture(scope="module")
def world(system) -> Iterator[World]:
    api = Api({name: system.url(name) for name in m.SERVICES}, retry_for=RETRY_FOR)
    started = time.monotonic()
    w = World(api)
    w.build()
    print(f"\nauthz matrix: {len(w.shared)} shared subjects, {len(w.own)} own ones, "
          f"built in {time.monotonic() - started:.0f} s")
    yield w
    # what the allowed cells answered: a step done (2xx) or the workflow's refusal after
    # the role rule let it through (404, 409, 422)
    allowed = [(c, s) for c, s in w.answers if c.expected == m.ALLOWED]
    print(f"\nauthz matrix: {len(w.answers)} cells; statuses of the allowed ones "
          f"{dict(sorted(Counter(s for _, s in allowed).items()))}; allowed commands not "
          f"answered 2xx: {[(c.id, s) for c, s in allowed if c.route.writes and s >= 300]}")


def _request(world: World, cell: m.Cell) -> tuple[str, str, dict]:
    """The cell's URL path, with the real subject put in, and its request arguments."""
    route, value = cell.route, world.subject_of(cell)
    path, key = route.path, (route.service, route.path)
    kw: dict[str, Any] = {"params": PARAMS.get(key)}
    if route.subject is not None:
        kind = route.subject.kind
        if kind == "division":
            kw["params"] = {"division": route.subject.state}
        elif kind == "complaint":
            name = "tracking_id" if "{tracking_id}" in path else "complaint_id"
            path = path.replace(f"{{{name}}}", value[name])
        else:
            path = (path.replace("{case_id}", value).replace("{escalation_id}", value)
                    .replace("{document_id}", value))
    if key == ERASURE:
        kw["body"] = {"case_id": value}
    elif key == UPLOAD:
        kw["data"] = {"kind": DOCUMENT_KIND}
        kw["files"] = {"file": ("surat.pdf", PDF, "application/pdf")}
    elif route.method == "POST":
        kw["body"] = BODIES[key]()
    return route.method, path, kw


def _headers(cell: m.Cell) -> dict[str, str]:
    if cell.user is None:
        return {}
    return auth(cell.user, **m.CLAIMS.get(cell.column, {}))


def _send(world: World, cell: m.Cell, method: str, path: str, kw: dict) -> tuple[int, str]:
    """The cell's answer: its status (a 502/503/504 sent again for a while) and text."""
    url = world.api.urls[cell.route.service] + path
    headers = _headers(cell)
    if (cell.route.service, cell.route.path) == STREAM:
        with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(10, read=5)) as r:
            return r.status_code, ""  # the events themselves are test_standard's
    r = world.api.call(method, cell.route.service, path, cell.user, headers=headers,
                       body=kw.get("body"), params=kw.get("params"), data=kw.get("data"),
                       files=kw.get("files"), expect=())
    return r.status_code, r.text[:300]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_every_cell_of_the_authorization_matrix(world, cell):
    method, path, kw = _request(world, cell)
    status, text = _send(world, cell, method, path, kw)
    world.answers.append((cell, status))
    if cell.expected == m.ALLOWED:
        assert status not in (401, 403) and status < 500, (status, text)
    else:
        assert status == cell.expected, (status, text)
