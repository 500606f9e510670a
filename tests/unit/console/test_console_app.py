"""The console app in-process (no service behind it): what it refuses to start with, the
sign-in page's cookies and headers, the vendored scripts."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from chassis.settings import Settings
from services.console.app import ConsoleRefused, build

PROD = dict(env="production", jwt_secret="x" * 40, command_key="k" * 40)


def test_production_needs_a_session_secret_and_real_accounts(tmp_path):
    with pytest.raises(ConsoleRefused, match="SESSION_SECRET"):
        build(Settings(**PROD))
    with pytest.raises(ConsoleRefused, match="audiensi"):
        build(Settings(**PROD, console_session_secret="s" * 40))
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text('kadis: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA"\n')
    assert build(Settings(**PROD, console_session_secret="s" * 40,
                          console_accounts=accounts))


@pytest.fixture(scope="module")
def client():
    with TestClient(build(Settings(console_session_secret="s" * 40))) as c:
        yield c


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_sign_in_page_sets_only_the_csrf_cookie_under_a_strict_policy(client):
    r = client.get("/masuk")
    assert r.status_code == 200 and '<html lang="id">' in r.text
    assert 'name="username"' in r.text and 'name="password"' in r.text
    assert "audiensi" in r.text  # the development password is said on the page
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["server-timing"].startswith("app;dur=")  # read by bench/console_bench
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("audiensi_csrf=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "<script>" not in r.text and " on" + "click=" not in r.text


def test_sign_in_sets_a_signed_http_only_lax_session_and_a_wrong_one_none(client):
    csrf = token(client.get("/masuk").text)
    wrong = client.post("/masuk", data={"username": "sekretariat", "password": "x",
                                        "csrf_token": csrf})
    assert wrong.status_code == 401 and "kata sandi salah" in wrong.text
    assert "audiensi_session" not in wrong.headers.get("set-cookie", "")
    right = client.post("/masuk", data={"username": "sekretariat", "password": "audiensi",
                                        "csrf_token": csrf}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/"
    session = right.headers["set-cookie"]
    assert session.startswith("audiensi_session=") and "httponly" in session.lower()
    assert "samesite=lax" in session.lower()
    client.cookies.clear()


def test_pages_without_a_session_go_to_sign_in(client):
    r = client.get("/kasus/abc", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/masuk"


def test_english_by_query_kept_in_a_cookie(client):
    r = client.get("/masuk?lang=en")
    assert '<html lang="en">' in r.text and "Sign in" in r.text
    assert "lang=en" in r.headers["set-cookie"]
    client.cookies.clear()


def test_vendored_libraries_come_from_node_modules(tmp_path):
    """Only the files the console names, from AUDIENSI_CONSOLE_ASSETS (node_modules/)."""
    (tmp_path / "htmx.org" / "dist").mkdir(parents=True)
    (tmp_path / "htmx.org" / "dist" / "htmx.min.js").write_text("var htmx = {};")
    (tmp_path / "package.json").write_text("{}")
    app = build(Settings(console_session_secret="s" * 40, console_assets=tmp_path))
    with TestClient(app) as c:
        r = c.get("/static/vendor/htmx.min.js")
        assert r.status_code == 200 and r.text == "var htmx = {};"
        assert r.headers["content-type"].startswith("text/javascript")
        assert c.get("/static/vendor/../package.json").status_code == 404
        assert c.get("/static/vendor/other.js").status_code == 404
        # echarts is missing here: reported, not fatal
        ready = c.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["vendor"] == {"htmx.min.js": True, "echarts.min.js": False}


def sign_in(client: TestClient, username: str) -> None:
    csrf = token(client.get("/masuk").text)
    r = client.post("/masuk", data={"username": username, "password": "audiensi",
                                    "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303


@pytest.mark.parametrize(("path", "indonesian", "english"), [
    ("/agenda", "Buku agenda untuk sekretariat", "agenda book"),
    ("/agenda.csv", "Buku agenda untuk sekretariat", "agenda book"),
    ("/dasbor", "Dasbor hanya untuk analis", "dashboard is for analysts"),
    ("/papan", "Papan eskalasi hanya untuk", "escalation board is for"),
    ("/tamu", "Buku tamu diisi oleh", "guest book is kept by"),
])
def test_a_page_without_the_users_role_is_refused_with_its_reason(client, path, indonesian,
                                                                   english):
    """An officer holds none of these pages' roles: the error page, 403, saying who the page
    is for, in the user's language (no service is behind this app: nothing is asked of one)."""
    sign_in(client, "petugas-rehsos-1")
    try:
        r = client.get(path)
        assert r.status_code == 403 and indonesian in r.text
        r = client.get(path + "?lang=en")
        assert r.status_code == 403 and english in r.text.lower()
    finally:
        client.cookies.clear()
