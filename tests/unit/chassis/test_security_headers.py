"""Every service's responses (chassis.web.install_http_edges): `Cache-Control: no-store`
and `X-Content-Type-Options: nosniff` on every answer — successes, problems, the input
limits' 413/422 — and CORS for the console's origin only. The apps are built, not started."""

from __future__ import annotations

import pytest

from chassis.commands import Reply
from chassis.settings import Settings
from services.disposition.app import build as build_disposition
from services.intake import deps as intake_deps
from services.intake.app import build as build_intake
from services.reporting.app import build as build_reporting
from services.sla.app import build as build_sla
from tests.support.api import FakeBus, fixed_clock, unstarted
from tests.support.auth import auth

CONSOLE = "http://127.0.0.1:8000"
BUILDERS = {
    "intake": lambda s: build_intake(s.model_copy(update={"keystore_url": "memory://",
                                                           "env": "test"})),
    "disposition": build_disposition,
    "sla": build_sla,
    "reporting": build_reporting,
}


@pytest.fixture(params=sorted(BUILDERS))
def client(request, tmp_path):
    return unstarted(BUILDERS[request.param](Settings(data_dir=tmp_path)))


def secured(r) -> bool:
    return (r.headers.get("cache-control") == "no-store"
            and r.headers.get("x-content-type-options") == "nosniff")


def test_every_answer_carries_no_store_and_nosniff(client):
    assert secured(client.get("/healthz"))
    assert secured(client.get("/openapi.json"))
    assert secured(client.get("/no-such-route"))  # 404 problem
    unauthenticated = client.post("/anything", content=b"x" * (2 * 1024 * 1024))
    assert unauthenticated.status_code == 413 and secured(unauthenticated)
    bad_key = client.post("/anything", headers={"Idempotency-Key": "k" * 500})
    assert bad_key.status_code == 422 and secured(bad_key)


def test_an_authenticated_answer_with_personal_data_is_not_stored(tmp_path):
    app = build_intake(Settings(data_dir=tmp_path, env="test", keystore_url="memory://"))
    fixed_clock(app)
    bus = FakeBus(Reply(status=200, body={"case_id": "c", "applicant": {"name": "Budi"}}))
    app.dependency_overrides[intake_deps.cases] = lambda: bus
    r = unstarted(app).get("/requests/0b0c5f6e-8a4d-4d8e-9a51-2f6f0c1d2e3f",
                           headers=auth("kadis"))
    assert r.status_code == 200 and r.json()["applicant"]["name"] == "Budi"
    assert secured(r)
    refused = unstarted(app).get("/requests/0b0c5f6e-8a4d-4d8e-9a51-2f6f0c1d2e3f",
                                 headers=auth("analis"))
    assert refused.status_code == 403 and secured(refused)


def test_the_consoles_origin_may_call_the_api_from_a_browser(client):
    pre = client.options("/healthz", headers={
        "Origin": CONSOLE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, idempotency-key, content-type"})
    assert pre.status_code == 200, pre.text
    assert pre.headers["access-control-allow-origin"] == CONSOLE
    assert "idempotency-key" in pre.headers["access-control-allow-headers"].lower()
    simple = client.get("/healthz", headers={"Origin": CONSOLE})
    assert simple.headers["access-control-allow-origin"] == CONSOLE
    assert "x-correlation-id" in simple.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-credentials" not in simple.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8001", "null"])
def test_any_other_origin_is_not_allowed(client, origin):
    pre = client.options("/healthz", headers={"Origin": origin,
                                              "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 400
    assert "access-control-allow-origin" not in pre.headers and secured(pre)
    simple = client.get("/healthz", headers={"Origin": origin})
    assert "access-control-allow-origin" not in simple.headers


def test_the_origin_is_a_setting(tmp_path):
    other = "https://konsol.dinsos.example"
    client = unstarted(build_disposition(Settings(data_dir=tmp_path, console_origin=other)))
    assert client.get("/healthz", headers={"Origin": other}).headers[
        "access-control-allow-origin"] == other
    assert "access-control-allow-origin" not in client.get(
        "/healthz", headers={"Origin": CONSOLE}).headers
