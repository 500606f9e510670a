"""The `/requests` routes without a broker: the app is built, not started; the registrar's
and the case owners' buses are fakes answering a `Reply`, the clock a `FixedClock`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chassis.commands import Reply
from chassis.errors import refusal
from chassis.i18n import Text
from chassis.settings import Settings
from services.intake import deps
from services.intake import errors as e
from services.intake.app import build
from services.intake.wib import local_date
from tests.support.api import FIXED_NOW, FakeBus, fixed_clock, unstarted
from tests.support.auth import auth

TODAY = local_date(FIXED_NOW)
CASE = "0b0c5f6e-8a4d-4d8e-9a51-2f6f0c1d2e3f"


def letter_body(dated=TODAY - timedelta(days=2)) -> dict:
    return {
        "channel": "letter",
        "applicant": {"name": "Budi Santoso", "organization": "Desa Air Itam"},
        "purpose": "audiensi program bantuan sosial",
        "form": {"subject": "PKH", "participants": 3,
                 "preferred_date": (TODAY + timedelta(days=7)).isoformat()},
        "letter": {"number": "140/23/DESA/2026", "dated": dated.isoformat(),
                   "addressed_to": "Kepala Dinas", "sender": "Kepala Desa Air Itam"},
    }


@pytest.fixture
def app(tmp_path):
    app = build(Settings(data_dir=tmp_path, env="test", keystore_url="memory://"))
    fixed_clock(app)
    return app


def with_buses(app, reply: Reply) -> FakeBus:
    bus = FakeBus(reply)
    app.dependency_overrides[deps.registrar] = lambda: bus
    app.dependency_overrides[deps.cases] = lambda: bus
    return bus


def test_a_created_request_is_answered_as_is_and_carries_the_clocks_time(app):
    bus = with_buses(app, Reply(status=201, body={"case_id": "from-the-agent", "x": 1}))
    r = unstarted(app).post("/requests", json=letter_body(),
                            headers={**auth("sekretariat"), "X-Correlation-Id": "corr-1"})
    answer = r.json()
    code = answer.pop("status_code")  # the citizen's, added by the HTTP side
    assert r.status_code == 201 and answer == {"case_id": "from-the-agent", "x": 1}
    [msg] = bus.sent
    # only its keyed digest goes to the agent (and so to Kafka)
    assert code not in str(msg.payload) and msg.payload["status_digest"]
    codes = app.state.ctx.extras["intake"].codes
    assert codes.matches(code, msg.payload["status_digest"])
    assert msg.name == "request_audience" and msg.at == FIXED_NOW
    assert r.headers["location"] == f"/requests/{msg.subject}"
    assert r.headers["x-correlation-id"] == msg.correlation_id == "corr-1"


def test_the_letter_date_is_checked_against_the_services_clock(app):
    bus = with_buses(app, Reply(status=201, body={}))
    r = unstarted(app).post("/requests", json=letter_body(dated=TODAY + timedelta(days=1)),
                            headers={**auth("sekretariat"), "Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "letter.dated",
                                   "reason": "The letter cannot be dated in the future"}]
    assert bus.sent == []


def test_a_refusal_becomes_problem_json_with_its_status_code_and_text(app):
    text = Text("Permohonan sudah ditutup", "The request is already closed")
    bus = with_buses(app, refusal(e.AlreadyDone(text)))
    client = unstarted(app)
    for lang, detail in (("en", text.en), ("id", text.id)):
        r = client.post(f"/requests/{CASE}/withdrawal", json={"reason": "tidak jadi"},
                        headers={**auth("sekretariat"), "Accept-Language": lang})
        assert r.status_code == 409
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["status"] == 409 and problem["code"] == "already_done"
        assert problem["detail"] == detail
    assert [(m.name, m.subject, m.at) for m in bus.sent] == [("withdraw_request", CASE,
                                                              FIXED_NOW)] * 2


def test_no_token_is_401_and_nothing_is_sent(app):
    bus = with_buses(app, Reply(status=201, body={}))
    r = unstarted(app).post("/requests", json=letter_body())
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert bus.sent == []
