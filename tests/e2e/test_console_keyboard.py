"""Every action works by keyboard: a letter registered and disposed without a mouse, in a
real browser. Focus moves only by Tab; text is typed; selects are changed with the arrow
keys; forms are sent with Enter on their button. A control that Tab cannot reach, or that
does not answer its keys, fails the test."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e import test_console as base
from tests.e2e.client import Api
from tests.e2e.test_console import CATCH_UP, PASSWORD, queue_item
from tests.support.waiting import eventually_sync

# the console's browser-test fixtures (a console process, chromium, fresh contexts)
browser, console, new_context = base.browser, base.console, base.new_context

MAX_TABS = 80


def focused(page: Page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), id: e.id || '', name: e.name || '',
                testid: e.dataset ? (e.dataset.testid || '') : '',
                href: e.getAttribute('href') || '', type: e.type || '',
                text: (e.innerText || e.value || '').trim().slice(0, 80)}; }""")


def tab_to(page: Page, matches, what: str) -> dict:
    """Press Tab until the focused element matches; fail if Tab never gets there."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        el = focused(page)
        if matches(el):
            return el
        seen.append(el.get("id") or el.get("name") or el.get("href") or el.get("tag"))
    raise AssertionError(f"Tab never reached {what}; went through {seen}")


def type_into(page: Page, field_id: str, text: str) -> None:
    tab_to(page, lambda e: e["id"] == field_id, f"#{field_id}")
    page.keyboard.type(text)


def sign_in_by_keyboard(page: Page, user: str) -> None:
    """Tab to each field, type, Enter."""
    page.goto("/masuk")
    type_into(page, "username", user)
    type_into(page, "password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("who")).to_contain_text(f"({user})")


def test_a_letter_registered_and_disposed_by_keyboard_only(new_context, system):
    front = new_context().new_page()
    sign_in_by_keyboard(front, "frontdesk")

    # the letter form, reached by Tab from the home page
    tab_to(front, lambda e: e["testid"] == "register-letter", "the register-letter link")
    front.keyboard.press("Enter")
    expect(front.get_by_test_id("letter-form")).to_be_visible()
    fields = {"letter_number": f"005/{date.today():%m%d}/KBD", "sender": "Kepala Desa Kurau",
              "applicant_name": "Siti Aminah", "organization": "Desa Kurau",
              "subject": "Bantuan sosial", "purpose": "Audiensi tentang bantuan sosial",
              "participants": "2"}
    for field_id, text in fields.items():
        type_into(front, field_id, text)
    # the date field takes its parts by keyboard, in the order the browser's locale shows
    # them: a probe tells day-first from month-first, then Shift+Tab goes back over the
    # parts and the date is typed again
    tab_to(front, lambda e: e["id"] == "letter_dated", "#letter_dated")
    dated = front.locator("#letter_dated")
    front.keyboard.type("01022026")
    day_first = dated.input_value() == "2026-02-01"
    assert day_first or dated.input_value() == "2026-01-02", dated.input_value()
    front.keyboard.press("Shift+Tab")
    front.keyboard.press("Shift+Tab")
    today = date.today()
    front.keyboard.type(f"{today:%d%m%Y}" if day_first else f"{today:%m%d%Y}")
    assert dated.input_value() == today.isoformat()
    tab_to(front, lambda e: e["tag"] == "button" and e["type"] == "submit",
           "the letter form's submit button")
    front.keyboard.press("Enter")
    landed = front.locator("[data-case-id]").first
    expect(landed).to_be_attached()
    case_id = landed.get_attribute("data-case-id")

    # the Head of Office: from the tile to the case, then the disposition form, by keyboard
    kadis = new_context().new_page()
    sign_in_by_keyboard(kadis, "kadis")
    queue_item(kadis, "to_dispose", case_id)  # reloads home until the read model has it
    tab_to(kadis, lambda e: e["tag"] == "a" and case_id in e["href"], "the case's link")
    kadis.keyboard.press("Enter")
    form = kadis.locator("form[data-step='disposition']")
    expect(form).to_be_visible()
    division = form.locator("select[name=division]")
    tab_to(kadis, lambda e: e["name"] == "division", "the division select")
    for _ in range(10):  # arrow keys until the Rehabilitasi Sosial division is chosen
        if division.input_value() == "rehsos":
            break
        kadis.keyboard.press("ArrowDown")
    assert division.input_value() == "rehsos"
    tab_to(kadis, lambda e: e["name"] == "instructions", "the instructions field")
    kadis.keyboard.type("Mohon ditindaklanjuti")
    tab_to(kadis, lambda e: e["tag"] == "button" and e["type"] == "submit"
           and "disposisi" in e["text"].lower(), "the disposition's submit button")
    kadis.keyboard.press("Enter")
    expect(kadis.get_by_test_id("flash")).to_contain_text("Tersimpan: Disposisi")
    api = Api({name: system.url(name) for name in ("intake", "disposition", "sla",
                                                   "reporting")})
    eventually_sync(lambda: api.get("reporting", f"/cases/{case_id}/file", "kadis")
                    .get("division") == "rehsos", timeout=CATCH_UP, every=0.5)
