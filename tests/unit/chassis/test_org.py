"""config/org.yaml: every division of the office has an active head and an officer (a
disposition there can be received and assigned), and `Org.heads` leaves inactive people out."""

from __future__ import annotations

from chassis.org import Org, load_org
from chassis.settings import Settings

FIVE = {"sekretariat", "linjamsos", "rehsos", "dayasos", "pmd"}


def test_every_division_of_the_office_has_an_active_head_and_an_officer():
    org = load_org(Settings().org_file)
    assert org.division_ids() == FIVE
    for division in FIVE:
        assert org.heads(division), division
        officers = [u for u in org.users if u.division == division and "officer" in u.roles]
        assert officers, division
    for user_id, role, division in (("kabid-dayasos", "division_head", "dayasos"),
                                    ("kabid-pmd", "division_head", "pmd"),
                                    ("petugas-dayasos-1", "officer", "dayasos"),
                                    ("petugas-pmd-1", "officer", "pmd")):
        user = org.user(user_id)
        assert (role in user.roles, user.division, user.active) == (True, division, True)


def test_an_inactive_head_is_no_head():
    org = Org.model_validate({
        "divisions": [{"id": "pmd", "name": "PMD"}],
        "users": [{"id": "old", "name": "Old", "roles": ["division_head"], "division": "pmd",
                   "active": False},
                  {"id": "p", "name": "P", "roles": ["officer"], "division": "pmd"}]})
    assert org.heads("pmd") == []
    assert org.heads("nowhere") == []
