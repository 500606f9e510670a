"""Who may acknowledge which escalation (issue 12), without a broker: the secretariat those
addressed to the secretariat, a division head those addressed to the heads of their
division (not the Head of Office's ones about their cases), ops and the Head of Office any."""

from __future__ import annotations

import pytest

from chassis.commands import Reply
from chassis.settings import Settings
from services.sla import deps
from services.sla.app import build
from tests.support.api import FakeBus, fixed_clock, unstarted
from tests.support.auth import auth
from tests.unit.sla.test_api_acknowledgement import CASE, ESCALATION, URL, OneEscalation

TO_SECRETARIAT = dict(to_role="secretariat", to_division="", division="")
TO_KADIS_ABOUT_PMD = dict(to_role="head_of_office", to_division="", division="pmd")
TO_KABID_PMD = dict(to_role="division_head", to_division="pmd", division="pmd")


def app_with(tmp_path, escalation: dict[str, str]):
    app = build(Settings(data_dir=tmp_path))
    fixed_clock(app)
    app.dependency_overrides[deps.read_model] = lambda: OneEscalation(
        escalation_id=ESCALATION, case_id=CASE, level="1", state="open", **escalation)
    bus = FakeBus(Reply(status=200, body={"escalation_id": ESCALATION}))
    app.dependency_overrides[deps.bus] = lambda: bus
    return app, bus


@pytest.mark.parametrize(("escalation", "user", "allowed"), [
    (TO_SECRETARIAT, "sekretariat", True),
    (TO_SECRETARIAT, "kabid-pmd", False),
    (TO_SECRETARIAT, "kadis", True),
    (TO_KADIS_ABOUT_PMD, "sekretariat", False),
    (TO_KADIS_ABOUT_PMD, "kabid-pmd", False),
    (TO_KADIS_ABOUT_PMD, "ops", True),
    (TO_KABID_PMD, "kabid-pmd", True),
    (TO_KABID_PMD, "kabid-rehsos", False),
    (TO_KABID_PMD, "sekretariat", False),
])
def test_who_may_acknowledge(tmp_path, escalation, user, allowed):
    app, bus = app_with(tmp_path, escalation)
    r = unstarted(app).post(URL, headers={**auth(user), "Accept-Language": "en"})
    if allowed:
        assert r.status_code == 200 and [m.actor.sub for m in bus.sent] == [user]
    else:
        assert r.status_code == 403
        assert r.json()["detail"] == ("This escalation is not addressed to your division"
                                      if user.startswith("kabid") else
                                      "This escalation is not addressed to you")
        assert bus.sent == []


def test_an_officer_may_not_acknowledge_at_all(tmp_path):
    app, bus = app_with(tmp_path, TO_SECRETARIAT)
    assert unstarted(app).post(URL, headers=auth("petugas-pmd-1")).status_code == 403
    assert bus.sent == []
