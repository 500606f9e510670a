"""The office's new `/cases` routes (issue 12) without a broker: what the router checks
before anything is sent (the organisation, the body, the roles) and what it hands on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chassis.clock import FixedClock
from chassis.commands import Reply
from chassis.org import Org
from chassis.settings import Settings
from services.disposition import deps
from services.disposition.app import build
from tests.support.api import FIXED_NOW, FakeBus, unstarted
from tests.support.auth import auth

CASE = "case-1"
OK = Reply(status=200, body={"case_id": CASE, "status": "x", "events": []})


@pytest.fixture
def app(tmp_path):
    return build(Settings(data_dir=tmp_path, env="test", keystore_url="memory://"),
                 clock=FixedClock(FIXED_NOW))


@pytest.fixture
def bus(app) -> FakeBus:
    fake = FakeBus(OK)
    app.dependency_overrides[deps.bus] = lambda: fake
    return fake


def en(user: str) -> dict[str, str]:
    return {**auth(user), "Accept-Language": "en"}


def test_a_disposition_carries_its_copies_and_whether_the_division_has_a_head(app, bus):
    r = unstarted(app).post(f"/cases/{CASE}/disposition", headers=auth("kadis"), json={
        "division": "pmd", "instructions": "tindak lanjuti", "copies": ["rehsos", "dayasos"]})
    assert r.status_code == 200
    [msg] = bus.sent
    assert msg.payload["copies"] == ["rehsos", "dayasos"]
    assert msg.payload["division_has_head"] is True


def test_a_division_whose_head_left_is_told_to_the_decider(app, bus):
    org = Org.model_validate({
        "divisions": [{"id": "pmd", "name": "PMD"}],
        "users": [{"id": "kabid-pmd", "name": "K", "roles": ["division_head"],
                   "division": "pmd", "active": False}]})
    app.dependency_overrides[deps.organisation] = lambda: org
    r = unstarted(app).post(f"/cases/{CASE}/disposition", headers=auth("kadis"),
                            json={"division": "pmd", "instructions": "x"})
    assert r.status_code == 200 and bus.sent[0].payload["division_has_head"] is False


@pytest.mark.parametrize(("copies", "field"), [
    (["nowhere"], "copies.0"), (["rehsos", "rehsos"], "copies"), (["pmd"], "copies")])
def test_bad_copies_are_422_with_the_field_and_nothing_is_sent(app, bus, copies, field):
    r = unstarted(app).post(f"/cases/{CASE}/disposition", headers=en("kadis"),
                            json={"division": "pmd", "instructions": "x", "copies": copies})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]
    assert bus.sent == []


def test_a_reassignment_names_a_known_active_officer(app, bus):
    client = unstarted(app)
    r = client.post(f"/cases/{CASE}/reassignment", headers=en("kabid-rehsos"),
                    json={"officer_id": "nobody", "reason": "sakit"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "officer_id"
    r = client.post(f"/cases/{CASE}/reassignment", headers=en("kabid-rehsos"),
                    json={"officer_id": "analis", "reason": "sakit"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "officer_id"
    assert bus.sent == []
    r = client.post(f"/cases/{CASE}/reassignment", headers=auth("kabid-rehsos"),
                    json={"officer_id": "petugas-rehsos-2", "reason": "sakit"})
    assert r.status_code == 200
    [msg] = bus.sent
    assert (msg.name, msg.payload["officer_id"], msg.payload["officer_division"]) == (
        "reassignment", "petugas-rehsos-2", "rehsos")


def test_a_rescheduling_into_the_past_is_422(app, bus):
    client = unstarted(app)
    body = {"channel": "phone", "message": "jadwal baru"}
    past = (FIXED_NOW - timedelta(hours=1)).isoformat()
    r = client.post(f"/cases/{CASE}/rescheduling", headers=en("petugas-rehsos-1"),
                    json={**body, "scheduled_for": past})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scheduled_for"
    assert bus.sent == []
    future = (FIXED_NOW + timedelta(days=2)).isoformat()
    r = client.post(f"/cases/{CASE}/rescheduling", headers=auth("petugas-rehsos-1"),
                    json={**body, "scheduled_for": future})
    assert r.status_code == 200 and bus.sent[0].name == "rescheduling"


@pytest.mark.parametrize(("path", "body", "user"), [
    ("reassignment", {"officer_id": "petugas-rehsos-2", "reason": "x"}, "petugas-rehsos-1"),
    ("rescheduling", {"scheduled_for": "2027-01-01T09:00:00+07:00", "channel": "phone",
                      "message": "x"}, "kadis"),
    ("declination", {"reason": "x", "channel": "letter", "message": "x"}, "kadis"),
    ("report/return", {"note": "x"}, "petugas-rehsos-1"),
    ("disposition/return", {"reason": "x"}, "kadis"),
])
def test_a_role_that_never_takes_the_step_is_403_and_nothing_is_sent(app, bus, path, body,
                                                                      user):
    r = unstarted(app).post(f"/cases/{CASE}/{path}", headers=auth(user), json=body)
    assert r.status_code == 403 and bus.sent == []


@pytest.mark.parametrize(("path", "field"), [
    ("declination", "reason"), ("report/return", "note"), ("disposition/return", "reason")])
def test_a_missing_reason_is_422_in_indonesian(app, bus, path, field):
    r = unstarted(app).post(f"/cases/{CASE}/{path}", headers=auth("kabid-rehsos"), json={})
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]
    assert bus.sent == []


def test_the_report_takes_every_part_of_the_product(app, bus):
    body = {"summary": "ringkas", "advice": "saran", "input": "masukan",
            "considerations": "pertimbangan", "solutions": "solusi",
            "recommendations": ["r1"]}
    r = unstarted(app).post(f"/cases/{CASE}/report", headers=auth("petugas-rehsos-1"),
                            json=body)
    assert r.status_code == 200
    assert {k: bus.sent[0].payload[k] for k in body} == body


def test_an_officer_who_left_cannot_be_given_the_case(app, bus):
    org = Org.model_validate({
        "divisions": [{"id": "rehsos", "name": "Rehsos"}],
        "users": [{"id": "petugas-lama", "name": "L", "roles": ["officer"],
                   "division": "rehsos", "active": False}]})
    app.dependency_overrides[deps.organisation] = lambda: org
    client = unstarted(app)
    for path, body in (("reassignment", {"officer_id": "petugas-lama", "reason": "x"}),
                       ("assignment", {"officer_id": "petugas-lama"})):
        r = client.post(f"/cases/{CASE}/{path}", headers=en("kabid-rehsos"), json=body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0] == {"field": "officer_id",
                                         "reason": "petugas-lama is not active"}
    assert bus.sent == []
