"""The console's documents, printouts, agenda book, board clock counts, a routed division
head's complaints and the identity number checked as typed — in a real browser (Debian's
chromium, Playwright) against the real stack with the documents service and its object
store (SeaweedFS): Kafka, Redis, the five services and the console as processes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import test_console as base
from tests.e2e.client import NIK, TRANSIENT, Api
from tests.e2e.conftest import FAST_POLICIES, INFORM_SECONDS, running_system
from tests.e2e.test_console import (
    CATCH_UP,
    intake_events,
    serious_violations,
    shows,
    signed_in,
    step_form,
    take,
    wib_input,
)
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually_sync

#: the console tests' browser and its fresh contexts (console errors fail a test)
browser = base.browser
new_context = base.new_context
SERVICES = ("intake", "disposition", "sla", "reporting", "documents")
WALK_IN_IN_TIME_SECONDS = 30
#: where to save the pages' screenshots (docs/console/); unset: not
SCREENSHOTS = os.environ.get("AUDIENSI_CONSOLE_SCREENSHOTS")


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """The e2e system with the object store and the documents service too; an urgent
    walk-in's clock of 30 s (the standard's 30 minutes), so one can be directed in time."""
    policies = FAST_POLICIES.format(inform=INFORM_SECONDS, walkin=WALK_IN_IN_TIME_SECONDS)
    with running_system(tmp_path_factory.mktemp("console-docs"), policies,
                        documents=True) as running:
        yield running


@pytest.fixture(scope="module")
def console(system) -> Iterator[ServiceProcess]:
    urls = {name: system.url(name) for name in SERVICES}
    proc = ServiceProcess("console", {"AUDIENSI_SERVICE_URLS": json.dumps(urls),
                                      "AUDIENSI_DATA_DIR": str(system.data_dir)},
                          system.data_dir / "logs")
    proc.start(timeout=120)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(system) -> Api:
    return Api({name: system.url(name) for name in SERVICES}, retry_for=60)


def pdf_bytes(label: str) -> bytes:
    """A file the documents service takes as a PDF (its first bytes), unique per call."""
    return b"%PDF-1.4\n% " + label.encode() + b"\n" + os.urandom(4096) + b"\n%%EOF\n"


def pdf_at(page: Page, href: str) -> bytes:
    """GET a printout as the signed-in browser (its cookies): a PDF."""
    answer = page.request.get(href)
    assert answer.status == 200, answer.text()[:300]
    assert answer.headers["content-type"].startswith("application/pdf"), answer.headers
    body = answer.body()
    assert body.startswith(b"%PDF"), body[:20]
    return body


def downloaded(page: Page, row) -> bytes:
    """Click the row's download link; the bytes the browser saved."""
    with page.expect_download() as info:
        row.get_by_test_id("download").click()
    return Path(info.value.path()).read_bytes()


def document_row(page: Page, case_id: str, filename: str):
    """The case page's row of `filename`, reloading until reporting lists it."""
    row = page.get_by_test_id("documents").locator("tr", has_text=filename)

    def listed() -> bool:
        page.goto(f"/kasus/{case_id}")
        return row.count() == 1

    eventually_sync(listed, timeout=CATCH_UP, every=0.5)
    return row


def counted(page: Page, state: str) -> int:
    return int(page.get_by_test_id(f"clocks-{state}").inner_text())


def test_ops_board_counts_clocks_by_state_in_words_and_updates_them_live(new_context, api):
    # first in the module: the system is its own, so its clocks are the only ones
    ops = signed_in(new_context(), "ops")
    ops.get_by_test_id("board-link").click()
    expect(ops.locator("#live[data-connected='1']")).to_be_attached()
    counts = ops.get_by_test_id("clock-counts")
    for words in ("Sesuai jadwal", "Berisiko", "Terlambat", "Dijeda"):
        expect(counts).to_contain_text(words)  # never colour alone
    before = {s: counted(ops, s) for s in ("on_track", "at_risk", "breached", "paused")}
    ops.evaluate("window.stayed = 'here'")
    case_id = api.letter_request()["case_id"]
    api.letter_path_until_received(case_id)
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    # the inform clock (6 s here) turns at risk, then breached: the counts follow, no reload
    expect(ops.get_by_test_id("clocks-at_risk")).to_have_text(
        str(before["at_risk"] + 1), timeout=CATCH_UP * 1000)
    expect(ops.get_by_test_id("clocks-breached")).to_have_text(
        str(before["breached"] + 1), timeout=CATCH_UP * 1000)
    assert ops.evaluate("window.stayed") == "here"


def test_a_letter_with_its_scan_the_receipt_the_sheet_and_the_report_as_pdfs(new_context,
                                                                            api):
    front = signed_in(new_context(), "frontdesk")
    front.get_by_test_id("register-letter").click()
    form = front.get_by_test_id("letter-form")
    form.locator("#letter_number").fill(f"005/{date.today():%m%d}/SCAN")
    form.locator("#letter_dated").fill(date.today().isoformat())
    form.locator("#sender").fill("Kepala Desa Air Itam")
    form.locator("#applicant_name").fill("Budi Santoso")
    form.locator("#organization").fill("Desa Air Itam")
    form.locator("#subject").fill("Rehabilitasi sosial")
    form.locator("#purpose").fill("Audiensi tentang bantuan rehabilitasi sosial")
    scan = pdf_bytes("scan")
    form.locator("#scan").set_input_files(files=[{"name": "surat-permohonan.pdf",
                                                  "mimeType": "application/pdf",
                                                  "buffer": scan}])
    form.locator("button[type=submit]").click()
    # the front office sees the status code at once, with the receipt to print
    code = front.get_by_test_id("status-code")
    expect(code).to_be_visible()
    case_id = front.locator("h1[data-case-id]").get_attribute("data-case-id")
    assert len(code.inner_text().strip()) >= 6
    receipt = front.get_by_test_id("print-receipt")
    expect(receipt).to_have_text("Cetak tanda terima")
    pdf_at(front, receipt.get_attribute("href"))
    # the scan went to the documents service with the registration; the same bytes back
    row = document_row(front, case_id, "surat-permohonan.pdf")
    expect(row).to_contain_text("Surat permohonan")
    assert downloaded(front, row) == scan

    kadis = signed_in(new_context(), "kadis")
    take(kadis, case_id, "disposition", {"instructions": "Mohon ditindaklanjuti"},
         {"division": "rehsos"}, "Disposisi")
    sheet = kadis.get_by_test_id("print-lembar-disposisi")
    expect(sheet).to_have_text("Cetak lembar disposisi")
    pdf_at(kadis, sheet.get_attribute("href"))
    assert kadis.get_by_test_id("upload-form").count() == 0  # the Head of Office attaches none

    api.step(case_id, "receipt", "kabid-rehsos")
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    api.inform(case_id)
    officer = signed_in(new_context(), "petugas-rehsos-1")
    take(officer, case_id, "audience", {"held_at": wib_input(-timedelta(minutes=1)),
                                        "attendees": "Pemohon"}, flash="Catat audiensi")
    report = step_form(officer, case_id, "report")
    report.locator("[name=summary]").fill("Audiensi selesai")
    report.locator("[name=advice]").fill("Ajukan melalui desa")
    written = pdf_bytes("report")
    report.locator("input[type=file]").set_input_files(files=[{
        "name": "laporan-hasil.pdf", "mimeType": "application/pdf", "buffer": written}])
    report.locator("button[type=submit]").click()
    expect(officer.get_by_test_id("flash")).to_contain_text("Tersimpan: Laporan hasil")
    expect(officer.get_by_test_id("flash")).to_contain_text("Dokumen terunggah")
    row = document_row(officer, case_id, "laporan-hasil.pdf")
    expect(row).to_contain_text("Laporan hasil")
    assert downloaded(officer, row) == written
    # the officer's own upload form offers the case workers' kinds only
    kinds = officer.get_by_test_id("upload-form").locator("select[name=kind] option")
    assert set(kinds.evaluate_all("o => o.map(x => x.value)")) == {
        "laporan_hasil", "lainnya", "telaahan_staf"}
    shows(officer, f"/kasus/{case_id}", "printouts", "Cetak laporan hasil")
    pdf_at(officer, officer.get_by_test_id("print-laporan-hasil").get_attribute("href"))


def test_a_document_uploaded_on_the_case_page_downloads_with_the_same_bytes(new_context,
                                                                           api):
    case_id = api.letter_request("Ahmad Fauzi")["case_id"]
    secretariat = signed_in(new_context(), "sekretariat")
    form = secretariat.get_by_test_id("upload-form")

    def offered() -> bool:
        secretariat.goto(f"/kasus/{case_id}")
        return form.count() == 1

    eventually_sync(offered, timeout=CATCH_UP, every=0.5)
    form.locator("select[name=kind]").select_option("berkas_rujukan")
    form.locator("[name=title]").fill("Surat rujukan desa")
    sent = pdf_bytes("rujukan")
    form.locator("input[type=file]").set_input_files(files=[{
        "name": "rujukan.pdf", "mimeType": "application/pdf", "buffer": sent}])
    form.locator("button[type=submit]").click()
    expect(secretariat.get_by_test_id("flash")).to_contain_text("Dokumen terunggah: rujukan.pdf")
    row = document_row(secretariat, case_id, "rujukan.pdf")
    expect(row).to_contain_text("Surat rujukan desa")
    assert downloaded(secretariat, row) == sent
    expect(secretariat.get_by_test_id("timeline")).to_contain_text("Dokumen dilampirkan")
    # a file that is not a PDF, JPEG or PNG by its bytes: the service's refusal, shown
    form = secretariat.get_by_test_id("upload-form")
    form.locator("input[type=file]").set_input_files(files=[{
        "name": "virus.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 64}])
    form.locator("button[type=submit]").click()
    expect(secretariat.get_by_test_id("flash")).to_contain_text("Ditolak")
    # its uploader removes it; another one who may attach is not offered that
    front = signed_in(new_context(), "frontdesk")
    front.goto(f"/kasus/{case_id}")
    assert front.get_by_test_id("documents").locator("tr", has_text="rujukan.pdf") \
        .get_by_test_id("remove").count() == 0
    row = document_row(secretariat, case_id, "rujukan.pdf")
    row.get_by_test_id("remove").locator("button").click()
    expect(secretariat.get_by_test_id("flash")).to_have_text("Dokumen dihapus.")
    gone = secretariat.get_by_test_id("no-documents")

    def removed() -> bool:
        secretariat.goto(f"/kasus/{case_id}")
        return gone.count() == 1

    eventually_sync(removed, timeout=CATCH_UP, every=0.5)


def test_the_agenda_book_lists_registered_letters_by_period_with_csv(new_context, api):
    answer = api.letter_request("Dewi Lestari")
    case_id = answer["case_id"]
    api.step(case_id, "disposition", "kadis", {"division": "rehsos",
                                               "instructions": "Mohon ditindaklanjuti"})
    secretariat = signed_in(new_context(), "sekretariat")
    secretariat.get_by_test_id("agenda-link").click()
    row = secretariat.locator(f"[data-testid=agenda] tr[data-case='{case_id}']")

    def listed() -> bool:
        secretariat.goto("/agenda")
        return row.count() == 1 and "didisposisi" in row.inner_text()

    eventually_sync(listed, timeout=CATCH_UP, every=0.5)
    agenda_number = row.locator("th a").inner_text()
    assert agenda_number.startswith("AUD/")
    expect(row).to_contain_text("Desa Air Itam")  # the organisation, opened for the reader
    # a period before the letter: not in it
    old = (date.today() - timedelta(days=400)).isoformat()
    secretariat.goto(f"/agenda?from={old}&to={(date.today() - timedelta(days=300))}")
    expect(secretariat.get_by_test_id("agenda-empty")).to_be_visible()
    secretariat.goto("/agenda")
    with secretariat.expect_download() as info:
        secretariat.get_by_test_id("agenda-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("agenda_number,registered_at,") and agenda_number in text
    # a division head reads their own division's letters only (reporting's rule)
    kabid = signed_in(new_context(), "kabid-rehsos")
    kabid.goto("/agenda")
    expect(kabid.locator(f"tr[data-case='{case_id}']")).to_be_visible()
    other = signed_in(new_context(), "kabid-pmd")
    other.goto("/agenda")
    expect(other.locator("h1")).to_have_text("Buku agenda")
    assert other.locator(f"tr[data-case='{case_id}']").count() == 0


def routed_complaint(api: Api, division: str = "rehsos") -> dict:
    complaint = api.post("intake", "/complaints", "frontdesk", {
        "channel": "letter", "identity": {"kind": "KTP", "number": NIK},
        "subject": "Bantuan belum cair", "content": "Sudah tiga bulan.",
        "confidential": False})
    cid = complaint["complaint_id"]
    api.post("intake", f"/complaints/{cid}/verification", "sekretariat", {})
    api.post("intake", f"/complaints/{cid}/routing", "sekretariat", {"division": division})
    return complaint


def test_a_routed_division_head_sees_the_complaint_and_responds(new_context, api):
    complaint = routed_complaint(api)
    kabid = signed_in(new_context(), "kabid-rehsos")
    kabid.get_by_test_id("complaints-link").click()
    section = kabid.locator(f"section[data-complaint='{complaint['complaint_id']}']")

    def shown() -> bool:
        kabid.goto("/pengaduan")
        return section.count() == 1

    eventually_sync(shown, timeout=CATCH_UP, every=0.5)
    expect(section.get_by_test_id("complaint-state")).to_have_text("diverifikasi")
    expect(section.locator(".badge")).to_be_visible()
    section.locator("summary", has_text="Jawab").click()
    form = section.locator("form[data-step='response']")
    form.locator("[name=response]").fill("Bantuan dicairkan minggu ini")
    form.locator("select[name=channel]").select_option("telepon")
    form.locator("button[type=submit]").click()
    expect(kabid.get_by_test_id("flash")).to_contain_text("Tersimpan: Jawab")

    def responded() -> bool:
        found = api.get("intake", f"/complaints/{complaint['tracking_id']}", "sekretariat")
        return found["status"] == "responded" and found["responded_by"] == "kabid-rehsos"

    eventually_sync(responded, timeout=CATCH_UP, retry_on=TRANSIENT)
    # another division's head has nothing routed to them
    other = signed_in(new_context(), "kabid-pmd")
    other.goto("/pengaduan")
    expect(other.get_by_test_id("routed-empty")).to_be_visible()


def test_the_identity_number_is_checked_as_it_is_typed_without_checking_in(new_context,
                                                                          system):
    front = signed_in(new_context(), "frontdesk")
    front.get_by_test_id("guest-book").click()
    before = intake_events(system)
    message = front.get_by_test_id("identity-check")
    assert message.get_attribute("aria-live") == "polite"
    number = front.get_by_test_id("identity-number")
    assert "identity-check" in number.get_attribute("aria-describedby")
    front.locator("#name").focus()
    front.keyboard.press("Tab")  # reached by keyboard, from the name field on
    front.keyboard.press("Tab")
    front.keyboard.press("Tab")
    front.keyboard.press("Tab")
    expect(number).to_be_focused()
    front.keyboard.type("19710115")
    expect(message).to_contain_text("NIK harus 16 digit angka")
    front.keyboard.type("08850000")
    expect(message).to_contain_text("Nomor urut pada NIK tidak valid")
    front.keyboard.press("Backspace")
    front.keyboard.type("1")
    expect(message).to_have_text("\u2714 Format nomor identitas benar.")
    expect(message.locator("[data-valid]")).to_have_attribute("data-valid", "1")
    front.keyboard.press("Control+A")
    front.keyboard.type("9971011508850001")
    expect(message).to_contain_text("Kode provinsi pada NIK tidak dikenal")
    # nothing was checked in: the intake topic holds what it held
    assert intake_events(system) == before
    front.goto("/tamu?lang=en")
    front.get_by_test_id("identity-number").press_sequentially("1971")
    expect(front.get_by_test_id("identity-check")).to_contain_text("A NIK must be 16 digits")


def test_the_new_pages_have_no_serious_or_critical_accessibility_violation(new_context, api):
    case_id = api.letter_request("Siti Rahmawati")["case_id"]
    api.step(case_id, "disposition", "kadis", {"division": "rehsos",
                                               "instructions": "Mohon ditindaklanjuti"})
    # the documents service's view of the case may lag a moment: tried until attached
    eventually_sync(lambda: api.call(
        "POST", "documents", f"/cases/{case_id}/documents", "sekretariat",
        data={"kind": "surat_permohonan"},
        files={"file": ("surat.pdf", pdf_bytes("axe"), "application/pdf")}, expect=(201,)),
        timeout=CATCH_UP, retry_on=TRANSIENT)
    routed_complaint(api)
    found: list[str] = []
    front = signed_in(new_context(bypass_csp=True), "frontdesk")
    front.goto("/tamu")
    front.get_by_test_id("identity-number").press_sequentially("1971")
    expect(front.get_by_test_id("identity-check")).to_contain_text("16 digit")
    found += serious_violations(front)
    front.goto("/surat/baru")
    found += serious_violations(front)
    for user, paths in {"sekretariat": ["/agenda", f"/kasus/{case_id}"],
                        "kadis": [f"/kasus/{case_id}", "/papan"],
                        "kabid-rehsos": ["/pengaduan", "/agenda"],
                        "ops": ["/papan"]}.items():
        page = signed_in(new_context(bypass_csp=True), user)
        if user == "sekretariat":
            document_row(page, case_id, "surat.pdf")
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found += serious_violations(page)
        if SCREENSHOTS and user == "sekretariat":
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"/kasus/{case_id}")
            page.screenshot(path=str(Path(SCREENSHOTS) / "case-documents-sekretariat.png"),
                            full_page=True)
            page.goto("/agenda")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(Path(SCREENSHOTS) / "agenda-sekretariat.png"),
                            full_page=True)
    assert not found, "\n".join(found)


def test_an_urgent_walk_in_directed_in_time_and_another_left_waiting_reaches_the_ops_board(
        new_context, api):
    ops = signed_in(new_context(), "ops")
    ops.get_by_test_id("board-link").click()
    expect(ops.locator("#live[data-connected='1']")).to_be_attached()
    ops.evaluate("window.stayed = 'here'")
    waiting = api.walk_in_request(api.visit("Rina Menunggu"))["case_id"]
    directed = api.walk_in_request(api.visit("Andi Segera"))["case_id"]
    # the front office directs one of them to an officer within its 30 s
    front = signed_in(new_context(), "frontdesk")
    take(front, directed, "direction", select={"officer_id": "petugas-rehsos-2"},
         flash="Arahkan ke petugas")

    def walk_in_clock(case_id: str) -> dict | None:
        items = api.get("sla", "/clocks", "ops", params={"case_id": case_id})["items"]
        return next((c for c in items if c["policy_id"] == "direct-walk-in"), None)

    def stopped() -> bool:
        clock = walk_in_clock(directed)
        return clock is not None and clock["state"] != "running"

    eventually_sync(stopped, timeout=CATCH_UP, retry_on=TRANSIENT)
    clock = walk_in_clock(directed)
    assert clock["state"] == "met" and not clock["breached_at"], clock  # in time
    # the other, left waiting, escalates: its row appears on the board live, and is
    # acknowledged there by the one who took it
    row = ops.locator(f"tr[data-escalation-case='{waiting}']").first
    expect(row).to_be_visible(timeout=CATCH_UP * 1000)
    assert ops.evaluate("window.stayed") == "here"
    escalation_id = row.get_attribute("data-escalation")
    row.locator("input[name=note]").fill("petugas piket menemui")
    row.locator("button[type=submit]").click()
    expect(ops.get_by_test_id("flash")).to_contain_text("ditanggapi oleh Tim Operasional")
    taken = ops.locator(f"tr[data-acknowledged='{escalation_id}'] [data-testid=taken-by]")
    expect(taken).to_have_text("ops")
