"""The console's OIDC sign-in in a real browser against a real OpenID provider: panva's
`oidc-provider` (npm, `tests/support/oidc_provider.mjs`, run with `node` on 127.0.0.1) with
PKCE required, its login and consent forms filled by Playwright; the console and the stack
behind it as real processes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from tests.support.services import ROOT, ServiceProcess
from tests.support.waiting import eventually_sync, free_port

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 60_000
CLIENT_ID = "audiensi-console"
CLIENT_SECRET = "a-test-client-secret-of-the-console"
SESSION = "audiensi_session"
expect.set_options(timeout=WAIT_MS)


@dataclass
class Provider:
    issuer: str
    proc: subprocess.Popen


@pytest.fixture(scope="module")
def console_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def provider(system, console_port) -> Iterator[Provider]:
    port = free_port()
    log = open(system.data_dir / "logs" / f"oidc-provider-{port}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        ["node", str(ROOT / "tests/support/oidc_provider.mjs"), str(port), CLIENT_ID,
         CLIENT_SECRET, f"http://127.0.0.1:{console_port}/masuk/sso/callback"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"

    def discovered() -> bool:
        assert proc.poll() is None, "oidc-provider exited"
        r = httpx.get(issuer + "/.well-known/openid-configuration", timeout=2)
        return r.status_code == 200 and r.json()["issuer"] == issuer

    try:
        eventually_sync(discovered, timeout=60, every=0.2,
                        retry_on=(httpx.HTTPError, AssertionError))
        yield Provider(issuer, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def console(system, provider, console_port) -> Iterator[ServiceProcess]:
    urls = {name: system.url(name) for name in ("intake", "disposition", "sla", "reporting")}
    proc = ServiceProcess("console", {
        "AUDIENSI_SERVICE_URLS": json.dumps(urls), "AUDIENSI_DATA_DIR": str(system.data_dir),
        "AUDIENSI_CONSOLE_OIDC_ISSUER": provider.issuer,
        "AUDIENSI_CONSOLE_OIDC_CLIENT_ID": CLIENT_ID,
        "AUDIENSI_CONSOLE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "AUDIENSI_CONSOLE_OIDC_CLAIM": "preferred_username"},
        system.data_dir / "logs", port=console_port)
    proc.start(timeout=120)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def no_web_fonts(route: Route) -> None:
    """The provider's development pages import a web font; nothing leaves the machine."""
    route.fulfill(status=200, content_type="text/css", body="")


@pytest.fixture
def new_context(browser, console):
    made: list[BrowserContext] = []
    errors: list[str] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(base_url=console.url, locale="id-ID", **options)
        context.set_default_timeout(WAIT_MS)
        context.route("https://fonts.googleapis.com/**", no_web_fonts)
        context.on("page", lambda page: (
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None),
            page.on("pageerror", lambda exc: errors.append(str(exc)))))
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    # a refusal (4xx) shown on purpose is logged by the browser as a failed load
    real = [e for e in errors if "the server responded with a status of 4" not in e]
    assert not real, real


def at_the_provider(context: BrowserContext, provider: Provider, login: str) -> Page:
    """From the console's sign-in page through the provider's own login form; the page is
    left on the provider's consent form."""
    page = context.new_page()
    page.goto("/masuk")
    page.get_by_test_id("sso").click()
    page.wait_for_url(f"{provider.issuer}/**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password: the provider's dev login")
    page.click("button[type=submit]")
    expect(page.locator("button[type=submit]")).to_have_text("Continue")
    return page


def sessions(context: BrowserContext, console: ServiceProcess) -> list[dict]:
    return [c for c in context.cookies(console.url) if c["name"] == SESSION]


def test_sign_in_by_sso_lands_on_the_mapped_users_home_and_sign_out_clears_it(
        new_context, provider, console):
    context = new_context()
    page = at_the_provider(context, provider, "kadis")
    page.click("button[type=submit]")
    page.wait_for_url(f"{console.url}/")
    expect(page.get_by_test_id("who")).to_contain_text("(kadis)")
    expect(page.locator("h1")).to_have_text("Antrean kerja")
    expect(page.locator("section.tile").first).to_be_visible()  # kadis's queues
    [cookie] = sessions(context, console)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.goto("/keluar")
    page.get_by_test_id("sign-out-confirm").click()
    expect(page.locator("form[action='/masuk']")).to_be_visible()
    assert sessions(context, console) == []
    page.goto("/")
    assert page.url.endswith("/masuk")


def test_the_authorization_request_is_code_with_pkce_s256_and_a_nonce(new_context, provider):
    context = new_context()
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.startswith(
        provider.issuer + "/auth?") else None)
    page.goto("/masuk")
    page.get_by_test_id("sso").click()
    page.wait_for_url(f"{provider.issuer}/**")
    query = parse_qs(urlsplit(asked[0]).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0].split()


def test_a_user_the_org_does_not_know_is_refused_with_a_message_and_no_session(
        new_context, provider, console):
    context = new_context()
    page = at_the_provider(context, provider, "orang-asing")
    page.click("button[type=submit]")
    page.wait_for_url(f"{console.url}/masuk/sso/callback**")
    expect(page.get_by_test_id("sign-in-error")).to_contain_text(
        "Akun SSO \u201corang-asing\u201d bukan pengguna aktif konsol ini")
    assert sessions(context, console) == []
    page.goto("/")
    assert page.url.endswith("/masuk")


def test_a_callback_with_a_wrong_state_is_refused(new_context, provider, console):
    context = new_context()
    page = at_the_provider(context, provider, "kadis")
    # the consent form sent by this browser's own cookies, its redirects followed by hand
    # (a browser follows them without a route seeing them) up to the console's callback
    form = page.locator("form[method=post]")
    fields = {i.get_attribute("name"): i.get_attribute("value") or ""
              for i in form.locator("input[type=hidden]").all()}
    answer = context.request.post(urljoin(page.url, form.get_attribute("action")),
                                  form=fields, max_redirects=0)
    callback = console.url + "/masuk/sso/callback"
    for _ in range(5):
        assert answer.status in (302, 303), answer.status
        target = urljoin(answer.url, answer.headers["location"])
        if target.startswith(callback):
            break
        answer = context.request.get(target, max_redirects=0)
    parts = urlsplit(target)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["code"] and query["state"]
    # the provider's real code, but a state this browser's flow never made
    query["state"] = "forged-" + query["state"]
    page.goto(urlunsplit(parts._replace(query=urlencode(query))))
    expect(page.get_by_test_id("sign-in-error")).to_contain_text(
        "Masuk dengan SSO gagal atau dibatalkan")
    assert sessions(context, console) == []
    page.goto("/")
    assert page.url.endswith("/masuk")


def test_the_sign_in_page_with_its_sso_button_has_no_serious_accessibility_violation(
        new_context, provider):
    from tests.e2e.test_console import serious_violations

    page = new_context(bypass_csp=True).new_page()  # axe is injected: the CSP is bypassed
    page.goto("/masuk")
    expect(page.get_by_test_id("sso")).to_be_visible()
    assert serious_violations(page) == []
