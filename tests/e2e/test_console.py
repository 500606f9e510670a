"""The web console in a real browser (Debian's chromium driven by Playwright) against the
real stack: Kafka, Redis, the four services and the console as separate processes."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.support.kafka import total_messages
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually_sync

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "audiensi"
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def console(system) -> Iterator[ServiceProcess]:
    urls = {name: system.url(name) for name in ("intake", "disposition", "sla", "reporting")}
    proc = ServiceProcess("console", {"AUDIENSI_SERVICE_URLS": json.dumps(urls),
                                      "AUDIENSI_DATA_DIR": str(system.data_dir)},
                          system.data_dir / "logs")
    proc.start(timeout=60)
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
    made: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(base_url=console.url, locale="id-ID")
        context.set_default_timeout(WAIT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


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

    eventually_sync(shown, timeout=30, every=0.5)
    return item


def step_form(page: Page, case_id: str, step: str):
    form = page.locator(f"form[data-step='{step}']")

    def offered() -> bool:
        page.goto(f"/kasus/{case_id}")
        return form.count() == 1

    eventually_sync(offered, timeout=30, every=0.5)
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

    eventually_sync(now_shown, timeout=30, every=0.5)


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


def test_letter_registered_by_front_office_disposed_by_kadis_seen_by_division_head(
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
    form = step_form(kadis, case_id, "disposition")
    form.locator("select[name=division]").select_option("rehsos")
    form.locator("textarea[name=instructions]").fill("Mohon ditindaklanjuti")
    form.locator("select[name=priority]").select_option("segera")
    form.locator("button[type=submit]").click()
    expect(kadis.get_by_test_id("flash")).to_contain_text("Tersimpan: Disposisi")

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
    form = step_form(kabid, case_id, "receipt")
    form.locator("button[type=submit]").click()
    expect(kabid.get_by_test_id("flash")).to_contain_text("Tersimpan: Terima disposisi")
    queue_item(kabid, "to_assign", case_id)


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
