"""The web console in a real browser (Debian's chromium driven by Playwright) against the
real stack: Kafka, Redis, the four services and the console as separate processes."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from services.console.forms import WIB
from tests.e2e.client import NIK, TRANSIENT, Api
from tests.support.kafka import total_messages
from tests.support.services import ROOT, ServiceProcess
from tests.support.waiting import eventually_sync

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "audiensi"
#: upper bounds (never sleeps): the machine may be shared, and a read model lags under load
WAIT_MS = 60_000
CATCH_UP = 90.0
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def console(system) -> Iterator[ServiceProcess]:
    urls = {name: system.url(name) for name in ("intake", "disposition", "sla", "reporting")}
    proc = ServiceProcess("console", {"AUDIENSI_SERVICE_URLS": json.dumps(urls),
                                      "AUDIENSI_DATA_DIR": str(system.data_dir),
                                      # a closed username stays closed through the test
                                      "AUDIENSI_CONSOLE_BACKOFF_SECONDS": "60"},
                          system.data_dir / "logs")
    proc.start(timeout=120)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, console):
    """Fresh browsers (no cookies); each page's console errors and uncaught exceptions are
    collected, and a test fails on any (a CSP violation is one)."""
    made: list[BrowserContext] = []
    errors: list[str] = []

    def watch(page: Page) -> None:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    def make(**options) -> BrowserContext:
        context = browser.new_context(base_url=console.url, locale="id-ID", **options)
        context.set_default_timeout(WAIT_MS)
        context.on("page", watch)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    # a refused answer (4xx) shown on purpose is logged by the browser as a failed load
    real = [e for e in errors if "the server responded with a status of 4" not in e
            and "Response Status Error Code 4" not in e]
    assert not real, real


def sign_in(context: BrowserContext, user: str, password: str = PASSWORD) -> Page:
    page = context.new_page()
    page.goto("/masuk")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("form[action='/masuk'] button[type=submit]")
    return page


def signed_in(context: BrowserContext, user: str) -> Page:
    page = sign_in(context, user)
    expect(page.get_by_test_id("who")).to_contain_text(f"({user})")
    return page


def queue_item(page: Page, queue: str, case_id: str):
    """The case's item in a home tile, reloading the page until the read model has it."""
    item = page.locator(f"section[data-queue='{queue}'] li[data-case='{case_id}']")

    def shown() -> bool:
        page.goto("/")
        return item.count() == 1

    eventually_sync(shown, timeout=CATCH_UP, every=0.5)
    return item


def step_form(page: Page, case_id: str, step: str):
    form = page.locator(f"form[data-step='{step}']")

    def offered() -> bool:
        page.goto(f"/kasus/{case_id}")
        return form.count() == 1

    eventually_sync(offered, timeout=CATCH_UP, every=0.5)
    return form


def intake_events(system) -> int:
    """Events on the intake topic (in a thread of its own: Playwright's sync API holds this
    thread's event loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, total_messages(system.bootstrap,
                                                       "audiensi.intake.v1")).result()


def shows(page: Page, url: str, test_id: str, wanted: str) -> None:
    """`url` shows `wanted` in `test_id` once the read model has caught up (reloading)."""
    def now_shown() -> bool:
        page.goto(url)
        return wanted in (page.get_by_test_id(test_id).all_inner_texts() or [""])[0]

    eventually_sync(now_shown, timeout=CATCH_UP, every=0.5)


def csrf_token(page: Page) -> str:
    page.goto("/keluar")
    return page.locator("input[name=csrf_token]").get_attribute("value")


def register_letter(page: Page) -> str:
    page.get_by_test_id("register-letter").click()
    form = page.get_by_test_id("letter-form")
    number = f"005/{date.today():%m%d}/E2E/{id(page) % 100000}"
    form.locator("#letter_number").fill(number)
    form.locator("#letter_dated").fill(date.today().isoformat())
    form.locator("#sender").fill("Kepala Desa Air Itam")
    form.locator("#applicant_name").fill("Budi Santoso")
    form.locator("#organization").fill("Desa Air Itam")
    form.locator("#subject").fill("Rehabilitasi sosial")
    form.locator("#purpose").fill("Audiensi tentang bantuan rehabilitasi sosial")
    form.locator("#participants").fill("3")
    form.locator("button[type=submit]").click()
    landed = page.locator("[data-case-id]").first
    expect(landed).to_be_attached()
    return landed.get_attribute("data-case-id")


def take(page: Page, case_id: str, step: str, fill: dict[str, str] | None = None,
         select: dict[str, str] | None = None, flash: str = "") -> None:
    """Open the case, fill the step's form, send it; the page says it is saved."""
    form = step_form(page, case_id, step)
    for name, value in (select or {}).items():
        form.locator(f"select[name={name}]").select_option(value)
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("flash")).to_contain_text(f"Tersimpan: {flash}")
    assert page.url.endswith(f"/kasus/{case_id}"), page.url


def wib_input(delta: timedelta) -> str:
    """A datetime-local value in office time (WIB)."""
    return (datetime.now(WIB) + delta).strftime("%Y-%m-%dT%H:%M")


def test_letter_path_clicked_through_by_five_people_from_registration_to_closure(
        new_context):
    front = signed_in(new_context(), "frontdesk")
    case_id = register_letter(front)
    assert re.fullmatch(r"[0-9a-f-]{36}", case_id), case_id
    shows(front, f"/kasus/{case_id}", "agenda", "AUD/")
    shows(front, f"/kasus/{case_id}", "status", "terdaftar")

    kadis = signed_in(new_context(), "kadis")
    item = queue_item(kadis, "to_dispose", case_id)
    expect(item.locator(".badge")).to_be_visible()
    item.locator("a").click()
    take(kadis, case_id, "disposition", {"instructions": "Mohon ditindaklanjuti"},
         {"division": "rehsos", "priority": "segera"}, "Disposisi")
    assert kadis.evaluate("typeof htmx") == "object"  # the page runs htmx under the CSP

    # the same disposition again: the service refuses, its reason is shown in Indonesian
    token = csrf_token(kadis)
    again = kadis.request.post(f"/kasus/{case_id}/langkah/disposition", form={
        "csrf_token": token, "division": "rehsos", "instructions": "Mohon ditindaklanjuti",
        "priority": "segera"})
    assert again.status == 409, again.text()
    assert 'data-testid="refused"' in again.text() and "Ditolak" in again.text()

    kabid = signed_in(new_context(), "kabid-rehsos")
    item = queue_item(kabid, "to_receive", case_id)
    item.locator("a").click()
    take(kabid, case_id, "receipt", flash="Terima disposisi")
    queue_item(kabid, "to_assign", case_id)
    take(kabid, case_id, "assignment", select={"officer_id": "petugas-rehsos-1"},
         flash="Tugaskan petugas")

    officer = signed_in(new_context(), "petugas-rehsos-1")
    item = queue_item(officer, "to_inform", case_id)
    # the inform clock (6 s here), once projected: time left, or over and counted negative
    timed = re.compile(r"(sisa \d|lewat \u2212\d)")

    def clocked() -> bool:
        officer.goto("/")
        return bool(timed.search(item.locator(".badge").inner_text()))

    eventually_sync(clocked, timeout=CATCH_UP, every=0.5)
    take(officer, case_id, "notification",
         {"message": "Audiensi dijadwalkan", "scheduled_for": wib_input(timedelta(days=2))},
         {"channel": "telepon"}, "Beri tahu pemohon")
    take(officer, case_id, "audience", {"held_at": wib_input(-timedelta(minutes=1)),
                                        "attendees": "Pemohon\nKepala Desa"},
         flash="Catat audiensi")
    take(officer, case_id, "report", {"summary": "Audiensi selesai",
                                      "advice": "Ajukan melalui desa",
                                      "recommendations": "Verifikasi DTKS"},
         flash="Laporan hasil")

    queue_item(kabid, "to_forward", case_id)
    take(kabid, case_id, "report-forwarding", flash="Teruskan laporan")
    queue_item(kadis, "to_close", case_id)
    step_form(kadis, case_id, "closure")  # the Head of Office reads the report first
    expect(kadis.get_by_test_id("report")).to_contain_text("Ajukan melalui desa")
    expect(kadis.get_by_test_id("report")).to_contain_text("Verifikasi DTKS")
    take(kadis, case_id, "closure", flash="Tutup kasus")
    shows(kadis, f"/kasus/{case_id}", "status", "ditutup")
    events = kadis.get_by_test_id("timeline").locator("[data-type]")
    kinds = [events.nth(i).get_attribute("data-type") for i in range(events.count())]
    steps = [k for k in kinds if not k.startswith(("Clock", "Escalation"))]
    assert steps == ["AudienceRequested", "RequestRegistered", "CaseDisposed",
                     "DispositionReceived", "OfficerAssigned", "ApplicantInformed",
                     "AudienceHeld", "ResultReportSubmitted", "ResultReportForwarded",
                     "CaseClosed"], kinds
    expect(kadis.get_by_test_id("timeline")).to_contain_text("Kasus ditutup")


def test_urgent_walk_in_checked_in_counted_down_live_and_directed(new_context):
    front = signed_in(new_context(), "frontdesk")
    front.get_by_test_id("guest-book").click()
    visit = front.get_by_test_id("visit-form")
    visit.locator("#name").fill("Siti Aminah")
    visit.locator("#identity_number").fill(NIK)
    visit.locator("#purpose").fill("Anak terlantar, mendesak")
    visit.locator("button[type=submit]").click()
    expect(front.get_by_test_id("flash")).to_contain_text("Kunjungan tercatat")
    walk_in = front.get_by_test_id("walk-in-form")
    walk_in.locator("#applicant_name").fill("Siti Aminah")
    walk_in.locator("#subject").fill("Perlindungan anak")
    walk_in.locator("#purpose").fill("Anak terlantar, mendesak")
    walk_in.locator("#urgent").check()
    walk_in.locator("button[type=submit]").click()
    landed = front.locator("[data-case-id]").first
    expect(landed).to_be_attached()
    case_id = landed.get_attribute("data-case-id")
    # the status code for the visitor, once, with the receipt that prints it
    expect(front.get_by_test_id("status-code")).to_be_visible()
    expect(front.get_by_test_id("print-receipt")).to_have_attribute(
        "href", re.compile(rf"^/kasus/{case_id}/cetak/tanda-terima\.pdf\?code="))
    # the waiting walk-in's badge counts down in the page (its clock is 4 s here)
    item = queue_item(front, "walk_ins_waiting", case_id)
    badge = item.locator(".badge[data-due]")

    def clocked() -> bool:
        front.goto("/")
        return badge.count() == 1

    eventually_sync(clocked, timeout=CATCH_UP, every=0.5)
    first = badge.inner_text()
    expect(badge).not_to_have_text(first)  # changed without a reload
    expect(badge).to_have_attribute("data-sla", "breached")
    expect(badge.locator(".remaining")).to_contain_text("lewat \u2212")
    take(front, case_id, "direction", select={"officer_id": "petugas-rehsos-2"},
         flash="Arahkan ke petugas")
    front.goto("/tamu")
    expect(front.get_by_test_id("guest-book")).to_contain_text("Siti Aminah")


def test_complaint_filed_verified_responded_and_closed(new_context):
    front = signed_in(new_context(), "frontdesk")
    front.get_by_test_id("complaints-link").click()
    form = front.get_by_test_id("complaint-form")
    form.locator("select[name=channel]").select_option("sp4n_lapor")
    form.locator("[name=lapor_tracking_id]").fill("LAPOR-2026-0042")
    form.locator("[name=subject]").fill("Pelayanan lambat")
    form.locator("[name=content]").fill("Surat saya belum dijawab")
    form.locator("button[type=submit]").click()
    # without an identity (and not anonymous) intake refuses: its reason, in Indonesian
    expect(front.get_by_test_id("refused")).to_contain_text("memerlukan dokumen identitas")
    form = front.get_by_test_id("complaint-form")
    form.locator("select[name=identity_kind]").select_option("KTP")
    form.locator("[name=identity_number]").fill(NIK)
    form.locator("button[type=submit]").click()
    expect(front.get_by_test_id("flash")).to_contain_text("Pengaduan tercatat dengan nomor")
    tracking = front.get_by_test_id("flash").inner_text().rsplit(" ", 1)[-1].rstrip(".")

    secretariat = signed_in(new_context(), "sekretariat")
    complaint = secretariat.locator(f"section[data-tracking='{tracking}']")

    def in_state(label: str) -> bool:
        secretariat.goto("/pengaduan")
        return complaint.count() == 1 and \
            complaint.get_by_test_id("complaint-state").inner_text() == label

    for step, fill, choose, before, flash in (
            ("verification", {}, {}, "diajukan", "Verifikasi"),
            ("routing", {}, {"division": "rehsos"}, "diverifikasi", "Teruskan ke bidang"),
            ("response", {"response": "Sudah dijadwalkan audiensi"}, {"channel": "telepon"},
             "diverifikasi", "Jawab"),
            ("closure", {"resolution": "Selesai"}, {}, "dijawab", "Tutup pengaduan")):
        eventually_sync(lambda before=before: in_state(before), timeout=CATCH_UP, every=0.5)
        step_form = complaint.locator(f"form[data-step='{step}']")
        complaint.locator("summary", has_text=flash).click()
        for name, value in fill.items():
            step_form.locator(f"[name={name}]").fill(value)
        for name, value in choose.items():
            step_form.locator(f"select[name={name}]").select_option(value)
        step_form.locator("button[type=submit]").click()
        expect(secretariat.get_by_test_id("flash")).to_contain_text(f"Tersimpan: {flash}")
    eventually_sync(lambda: in_state("ditutup"), timeout=CATCH_UP, every=0.5)


def test_ops_board_shows_escalations_live_and_names_who_acknowledged(new_context, system):
    ops = signed_in(new_context(), "ops")
    ops.get_by_test_id("board-link").click()
    expect(ops.locator("#live[data-connected='1']")).to_be_attached()  # the relay is open
    ops.evaluate("window.stayed = 'here'")
    api = Api({name: system.url(name) for name in ("intake", "disposition", "sla",
                                                    "reporting")})
    case_id = api.letter_request()["case_id"]
    api.letter_path_until_received(case_id)
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    # the inform clock (6 s here) reaches at-risk: the row appears without a reload
    row = ops.locator(f"tr[data-escalation-case='{case_id}']").first
    expect(row).to_be_visible(timeout=CATCH_UP * 1000)  # sla, then reporting's feed
    assert ops.evaluate("window.stayed") == "here"
    expect(ops.get_by_test_id("live")).to_contain_text("Pembaruan eskalasi")
    escalation_id = row.get_attribute("data-escalation")
    row.locator("input[name=note]").fill("ditangani")
    row.locator("button[type=submit]").click()
    expect(ops.get_by_test_id("flash")).to_contain_text("ditanggapi oleh Tim Operasional")
    taken = ops.locator(f"tr[data-acknowledged='{escalation_id}'] [data-testid=taken-by]")
    expect(taken).to_have_text("ops")

    def acknowledged() -> bool:
        items = api.get("sla", "/escalations", "ops", params={"state": "acknowledged"})
        return escalation_id in {e["escalation_id"] for e in items["items"]}

    eventually_sync(acknowledged, timeout=CATCH_UP, retry_on=TRANSIENT)


def test_dashboard_draws_each_chart_with_its_numbers_in_a_table_beside_it(new_context, system):
    api = Api({name: system.url(name) for name in ("intake", "disposition", "sla",
                                                    "reporting")})
    api.letter_request()
    analyst = signed_in(new_context(), "analis")
    analyst.get_by_test_id("dashboard-link").click()
    rows = analyst.locator("[data-testid=table-volume] tbody tr")

    def counted() -> bool:
        analyst.goto("/dasbor")
        return rows.count() >= 1

    eventually_sync(counted, timeout=CATCH_UP, every=0.5)
    for panel in ("volume", "sla", "lead", "workload"):
        chart = analyst.get_by_test_id(f"chart-{panel}")
        expect(chart).to_have_attribute("data-drawn", "1")
        expect(chart.locator("canvas")).to_be_attached()
        expect(analyst.get_by_test_id(f"table-{panel}")).to_be_visible()
    letters = int(analyst.locator("[data-testid=table-volume] tbody tr").last
                  .locator("td").first.inner_text())
    assert letters >= 1
    csv = analyst.request.get("/dasbor/kasus.csv")
    assert csv.status == 200 and csv.text().lstrip("\ufeff").startswith("case_id,")


#: where to save each role's home page (the README's screenshots: docs/console/); unset: not
SCREENSHOTS = os.environ.get("AUDIENSI_CONSOLE_SCREENSHOTS")


def test_each_role_home_shows_its_work_queues_with_cases(new_context, system):
    api = Api({name: system.url(name) for name in ("intake", "disposition", "sla",
                                                    "reporting")})
    to_dispose = api.letter_request("Siti Rahmawati")["case_id"]
    to_receive = api.letter_request("Ahmad Fauzi")["case_id"]
    api.step(to_receive, "disposition", "kadis", {"division": "rehsos",
                                                  "instructions": "Segera ditindaklanjuti"})
    to_inform = api.letter_request("Dewi Lestari")["case_id"]
    api.letter_path_until_received(to_inform)
    api.step(to_inform, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    waiting = api.walk_in_request(api.visit(name="Rahmat Hidayat"))["case_id"]
    complaint = api.post("intake", "/complaints", "frontdesk", {
        "channel": "letter", "identity": {"kind": "KTP", "number": NIK},
        "subject": "Bantuan belum cair", "content": "Sudah tiga bulan.",
        "confidential": False})["complaint_id"]
    expected = {"frontdesk": ("walk_ins_waiting", waiting),
                "sekretariat": ("complaints_to_verify", complaint),
                "kadis": ("to_dispose", to_dispose),
                "kabid-rehsos": ("to_receive", to_receive),
                "petugas-rehsos-1": ("to_inform", to_inform),
                "ops": ("escalated", waiting)}  # the urgent walk-in's 4-second clock
    for user, (queue, case_id) in expected.items():
        page = signed_in(new_context(viewport={"width": 1280, "height": 900}), user)
        item = queue_item(page, queue, case_id)
        expect(item.locator(".badge")).to_be_visible()
        count = page.locator(f"section[data-queue='{queue}'] [data-testid=count]")
        assert int(count.inner_text()) >= 1
        if SCREENSHOTS:
            page.screenshot(path=str(Path(SCREENSHOTS) / f"home-{user}.png"), full_page=True)
    if SCREENSHOTS:
        analyst = signed_in(new_context(viewport={"width": 1280, "height": 900}), "analis")
        analyst.goto("/dasbor")
        expect(analyst.get_by_test_id("chart-sla")).to_have_attribute("data-drawn", "1")
        analyst.screenshot(path=str(Path(SCREENSHOTS) / "dashboard-analis.png"),
                           full_page=True)
        kadis = signed_in(new_context(viewport={"width": 1280, "height": 900}), "kadis")
        step_form(kadis, to_dispose, "disposition")
        kadis.screenshot(path=str(Path(SCREENSHOTS) / "case-kadis.png"), full_page=True)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["url"] == page.url
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_every_page_has_no_serious_or_critical_accessibility_violation(new_context, system):
    api = Api({name: system.url(name) for name in ("intake", "disposition", "sla",
                                                    "reporting")})
    case_id = api.letter_request()["case_id"]
    found: list[str] = []
    # axe is injected as a script: only these browsers bypass the CSP, to run it
    anonymous = new_context(bypass_csp=True).new_page()
    anonymous.goto("/masuk")
    found += serious_violations(anonymous)
    for user, paths in {
        "frontdesk": ["/", "/surat/baru", f"/kasus/{case_id}"],
        "kadis": ["/", f"/kasus/{case_id}", "/dasbor", "/papan", "/keluar", "/?lang=en"],
        "kabid-rehsos": ["/"], "petugas-rehsos-1": ["/"], "ops": ["/papan"],
        "analis": ["/dasbor"],
    }.items():
        page = signed_in(new_context(bypass_csp=True), user)
        if user == "kadis":
            step_form(page, case_id, "disposition")  # a case page with its forms
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found += serious_violations(page)
    assert not found, "\n".join(found)


def test_repeated_failed_sign_ins_are_slowed_down(new_context):
    page = sign_in(new_context(), "ops", "salah")
    for _ in range(3):
        expect(page.get_by_test_id("sign-in-error")).to_have_text(
            "Nama pengguna atau kata sandi salah.")
        page.fill("#password", "salah lagi")
        page.click("form[action='/masuk'] button[type=submit]")
    # the fourth failure closed the name: even the right password waits now
    page.fill("#password", PASSWORD)
    page.click("form[action='/masuk'] button[type=submit]")
    expect(page.get_by_test_id("sign-in-error")).to_contain_text("Terlalu banyak percobaan")
    assert page.get_by_test_id("who").count() == 0


def test_wrong_password_shows_a_message_and_sets_no_session(new_context):
    context = new_context()
    page = sign_in(context, "kadis", "salah-sekali")
    expect(page.get_by_test_id("sign-in-error")).to_have_text(
        "Nama pengguna atau kata sandi salah.")
    assert "audiensi_session" not in {c["name"] for c in context.cookies()}
    page.goto("/")
    assert page.url.endswith("/masuk")
    csp = page.request.get("/masuk").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_a_post_without_its_csrf_token_is_refused_and_writes_nothing(new_context, system):
    context = new_context()
    page = signed_in(context, "frontdesk")
    before = intake_events(system)
    body = {"letter_number": "1/X/2026", "letter_dated": date.today().isoformat(),
            "sender": "Desa", "addressed_to": "Kepala Dinas", "applicant_name": "Budi",
            "subject": "Tanpa token", "purpose": "Uji CSRF", "participants": "1"}
    refused = page.request.post("/surat", form=body)
    assert refused.status == 403
    assert "Formulir sudah kedaluwarsa atau tidak sah" in refused.text()
    forged = page.request.post("/surat", form={**body, "csrf_token": "x.y"})
    assert forged.status == 403
    # a sign-in without the token is refused as well, and starts no session
    anonymous = new_context()
    answer = anonymous.request.post("/masuk", form={"username": "kadis",
                                                    "password": PASSWORD})
    assert answer.status == 403
    assert "audiensi_session" not in {c["name"] for c in anonymous.cookies()}
    assert intake_events(system) == before


def test_english_on_request_and_sign_out_clears_the_session(new_context):
    context = new_context()
    page = signed_in(context, "kadis")
    page.goto("/?lang=en")
    expect(page.locator("h1")).to_have_text("Work queues")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/keluar")
    page.get_by_test_id("sign-out-confirm").click()
    expect(page.locator("form[action='/masuk']")).to_be_visible()
    assert "audiensi_session" not in {c["name"] for c in context.cookies()}
    page.goto("/")
    assert page.url.endswith("/masuk")
