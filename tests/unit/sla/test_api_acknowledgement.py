"""`POST /escalations/{id}/acknowledgement` without a broker: the app is built, not started;
the read model is a fake Redis holding one escalation, the bus a fake answering a `Reply`,
the clock a `FixedClock`."""

from __future__ import annotations

import uuid

import pytest

from chassis.commands import Reply
from chassis.errors import DomainError, refusal
from chassis.i18n import Text
from chassis.settings import Settings
from services.sla import deps
from services.sla.app import build
from services.sla.inputs import ACKNOWLEDGE
from tests.support.api import FIXED_NOW, FakeBus, fixed_clock, unstarted
from tests.support.auth import auth

ESCALATION = str(uuid.uuid4())
CASE = "case-1"
URL = f"/escalations/{ESCALATION}/acknowledgement"


class NotOpen(DomainError):
    code = "escalation-not-open"


class OneEscalation:
    """The read model's escalation hash, as `readmodel.get_escalation` reads it."""

    def __init__(self, **fields: str) -> None:
        self.row = {k.encode(): v.encode() for k, v in fields.items()}

    async def hgetall(self, key: str) -> dict[bytes, bytes]:
        return self.row if key.endswith(f"esc:{ESCALATION}") else {}


@pytest.fixture
def app(tmp_path):
    app = build(Settings(data_dir=tmp_path))
    fixed_clock(app)
    app.dependency_overrides[deps.read_model] = lambda: OneEscalation(
        escalation_id=ESCALATION, case_id=CASE, level="1", to_division="rehsos",
        state="open")
    return app


def with_bus(app, reply: Reply) -> FakeBus:
    bus = FakeBus(reply)
    app.dependency_overrides[deps.bus] = lambda: bus
    return bus


def test_an_acknowledgement_is_answered_as_is_and_carries_the_clocks_time(app):
    body = {"escalation_id": ESCALATION, "state": "acknowledged"}
    bus = with_bus(app, Reply(status=200, body=body))
    r = unstarted(app).post(URL, json={"note": "ditangani"}, headers=auth("ops"))
    assert r.status_code == 200 and r.json() == body
    [msg] = bus.sent
    assert (msg.name, msg.subject, msg.actor.sub) == (ACKNOWLEDGE, CASE, "ops")
    assert msg.payload == {"escalation_id": ESCALATION, "note": "ditangani"}
    assert msg.at == FIXED_NOW


def test_a_refusal_becomes_problem_json_with_its_status_code_and_text(app):
    text = Text("Eskalasi sudah tidak terbuka", "The escalation is no longer open")
    with_bus(app, refusal(NotOpen(text)))
    client = unstarted(app)
    for lang, detail in (("en", text.en), ("id", text.id)):
        r = client.post(URL, headers={**auth("kabid-rehsos"), "Accept-Language": lang})
        assert r.status_code == 409
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["status"] == 409 and problem["code"] == "escalation-not-open"
        assert problem["detail"] == detail


def test_no_token_is_401_and_nothing_is_sent(app):
    bus = with_bus(app, Reply(status=200, body={}))
    r = unstarted(app).post(URL)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert bus.sent == []
