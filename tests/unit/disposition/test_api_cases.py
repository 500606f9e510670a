"""The `/cases` routes without a broker: the app is built, not started; the bus is a fake
answering a `Reply`, the clock a `FixedClock` handed to `build`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chassis.clock import FixedClock
from chassis.commands import Reply
from chassis.errors import refusal
from chassis.settings import Settings
from contracts.sealed import is_sealed, key_id_of
from services.disposition import deps
from services.disposition import errors as e
from services.disposition.app import build
from tests.support.api import FIXED_NOW, FakeBus, unstarted
from tests.support.auth import auth

CASE = "case-1"
AUDIENCE = {"attendees": ["Budi"], "documents_complete": True}


@pytest.fixture
def app(tmp_path):
    return build(Settings(data_dir=tmp_path, env="test", keystore_url="memory://"),
                 clock=FixedClock(FIXED_NOW))


def with_bus(app, reply: Reply) -> FakeBus:
    bus = FakeBus(reply)
    app.dependency_overrides[deps.bus] = lambda: bus
    return bus


def test_a_success_is_answered_as_is_and_the_command_carries_the_clocks_time(app):
    body = {"case_id": CASE, "status": "received", "events": []}
    bus = with_bus(app, Reply(status=200, body=body))
    r = unstarted(app).post(f"/cases/{CASE}/receipt", headers=auth("kabid-rehsos"))
    assert r.status_code == 200 and r.json() == body
    [msg] = bus.sent
    assert (msg.name, msg.subject, msg.actor.sub) == ("receipt", CASE, "kabid-rehsos")
    assert msg.at == FIXED_NOW


def test_a_refusal_becomes_problem_json_with_its_status_code_and_text(app):
    error = e.NotDisposed()
    with_bus(app, refusal(error))
    client = unstarted(app)
    for lang, detail in (("en", error.text.en), ("id", error.text.id)):
        r = client.post(f"/cases/{CASE}/receipt",
                        headers={**auth("kabid-rehsos"), "Accept-Language": lang})
        assert r.status_code == 409
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["status"] == 409 and problem["code"] == "not-disposed"
        assert problem["detail"] == detail
        assert problem["instance"] == f"/cases/{CASE}/receipt"


def test_the_audience_time_is_checked_against_the_services_clock(app):
    bus = with_bus(app, Reply(status=200, body={"case_id": CASE, "status": "held"}))
    client = unstarted(app)
    officer = auth("petugas-rehsos-1")
    future = (FIXED_NOW + timedelta(hours=1)).isoformat()
    r = client.post(f"/cases/{CASE}/audience", json={**AUDIENCE, "held_at": future},
                    headers={**officer, "Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "held_at"
    assert bus.sent == []
    past = (FIXED_NOW - timedelta(hours=1)).isoformat()
    r = client.post(f"/cases/{CASE}/audience", json={**AUDIENCE, "held_at": past},
                    headers=officer)
    assert r.status_code == 200 and [m.at for m in bus.sent] == [FIXED_NOW]
    # who attended leaves sealed under the case's key, never in clear
    [sent] = bus.sent
    [token] = sent.payload["attendees"]
    assert is_sealed(token) and key_id_of(token) == f"case:{CASE}" and "Budi" not in token
    assert app.state.ctx.extras["sealer"].open(token) == "Budi"


def test_no_token_is_401_and_nothing_is_sent(app):
    bus = with_bus(app, Reply(status=200, body={}))
    r = unstarted(app).post(f"/cases/{CASE}/receipt")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert bus.sent == []


def test_the_audience_names_the_checked_documents_by_id(app):
    bus = with_bus(app, Reply(status=200, body={"case_id": CASE, "status": "held"}))
    client = unstarted(app)
    officer = auth("petugas-rehsos-1")
    past = (FIXED_NOW - timedelta(hours=1)).isoformat()
    r = client.post(f"/cases/{CASE}/audience", headers=officer, json={
        **AUDIENCE, "held_at": past, "checked_documents": ["d-1", "a7c3"]})
    assert r.status_code == 200
    assert bus.sent[0].payload["checked_documents"] == ["d-1", "a7c3"]
    r = client.post(f"/cases/{CASE}/audience", headers=officer, json={
        **AUDIENCE, "held_at": past, "checked_documents": ["../etc"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("checked_documents")
    assert len(bus.sent) == 1
