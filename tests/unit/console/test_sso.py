"""The console's OIDC sign-in, in-process: offered only where an issuer is set, and the
claim mapped to an active user of the org (the flow itself is tested against a real
provider in tests/e2e/test_console_sso.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chassis.org import Org, User
from chassis.settings import Settings
from services.console.app import ConsoleRefused, build
from services.console.sso import SsoRefused, person

pytestmark = pytest.mark.unit

ORG = Org(divisions=[], users=[User(id="kadis", name="Kepala Dinas", roles=["head_of_office"]),
                               User(id="pensiun", name="Pensiunan", roles=["officer"],
                                    active=False)])


def test_the_claim_names_an_active_user_of_the_org():
    assert person(ORG, {"preferred_username": "kadis"}, "preferred_username").id == "kadis"
    assert person(ORG, {"email": "kadis"}, "email").id == "kadis"
    for claims, key, values in (({"preferred_username": "tamu"}, "sso_unknown", {"name": "tamu"}),
                                ({"preferred_username": "pensiun"}, "sso_unknown",
                                 {"name": "pensiun"}),
                                ({"sub": "kadis"}, "sso_no_claim",
                                 {"claim": "preferred_username"})):
        with pytest.raises(SsoRefused) as refused:
            person(ORG, claims, "preferred_username")
        assert refused.value.message.msgid == key and refused.value.values == values
    with pytest.raises(SsoRefused) as refused:
        person(ORG, {"preferred_username": "tamu"}, "preferred_username")
    shown = {lang: refused.value.message.get(lang, **refused.value.values)
             for lang in ("id", "en")}
    assert "\u201ctamu\u201d bukan pengguna aktif" in shown["id"]
    assert "\u201ctamu\u201d is not an active user" in shown["en"]


def test_sso_is_offered_only_where_an_issuer_is_set():
    with TestClient(build(Settings(console_session_secret="s" * 40))) as plain:
        page = plain.get("/masuk")
        assert page.status_code == 200 and 'data-testid="sso"' not in page.text
        assert plain.get("/masuk/sso", follow_redirects=False).status_code == 404
        assert plain.get("/masuk/sso/callback?code=x&state=y").status_code == 404
    sso = Settings(console_session_secret="s" * 40,
                   console_oidc_issuer="http://127.0.0.1:9/", console_oidc_client_id="console",
                   console_oidc_client_secret="secret")
    with TestClient(build(sso)) as client:
        page = client.get("/masuk")
        assert 'href="/masuk/sso"' in page.text and "Masuk dengan SSO" in page.text
        assert "Sign in with SSO" in client.get("/masuk?lang=en").text
        # a callback with no flow started in this browser: no session
        r = client.get("/masuk/sso/callback?code=x&state=y&lang=id")
        assert r.status_code == 403 and "Masuk dengan SSO gagal" in r.text
        assert "audiensi_session" not in r.headers.get("set-cookie", "")
        # the provider unreachable: a message, not a crash
        r = client.get("/masuk/sso?lang=id", follow_redirects=False)
        assert r.status_code == 502 and "Masuk dengan SSO gagal" in r.text


def test_an_issuer_without_a_client_is_refused():
    with pytest.raises(ConsoleRefused, match="CLIENT_ID"):
        build(Settings(console_session_secret="s" * 40,
                       console_oidc_issuer="http://127.0.0.1:9"))
