"""The authorization matrix (chassis/authz_matrix.py) has a row for every route of every
service's app, built without starting it, and no row for a route that does not exist: a new
route without its row fails here. The columns are the roles of config/org.yaml."""

from __future__ import annotations

import pytest

from chassis import authz_matrix as m
from chassis.org import load_org
from chassis.settings import DEFAULT_PORTS, Settings, get_settings
from services.disposition.app import build as build_disposition
from services.documents.app import build as build_documents
from services.intake.app import build as build_intake
from services.reporting.app import build as build_reporting
from services.sla.app import build as build_sla

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("apps")
    return {
        "intake": build_intake(Settings(data_dir=tmp, env="test", keystore_url="memory://")),
        "disposition": build_disposition(Settings(data_dir=tmp)),
        "sla": build_sla(Settings(data_dir=tmp)),
        "reporting": build_reporting(Settings(data_dir=tmp)),
        "documents": build_documents(Settings(data_dir=tmp)),
    }


def served(app) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in app.openapi()["paths"].items()
            for method in ops if method in METHODS}


@pytest.mark.parametrize("service", m.SERVICES)
def test_the_table_has_a_row_for_every_route_of_the_service_and_no_other(apps, service):
    table = {(r.method, r.path) for r in m.ROUTES if r.service == service}
    in_schema = served(apps[service])
    assert in_schema - table == set(), f"{service}: routes without a row in the matrix"
    assert table - in_schema - m.NOT_IN_SCHEMA == set(), f"{service}: rows of no route"
    assert table >= m.NOT_IN_SCHEMA  # /metrics is asked too


def test_every_service_has_rows_or_says_why_not():
    assert set(m.SERVICES) | set(m.NOT_YET) == set(DEFAULT_PORTS)
    assert not set(m.SERVICES) & set(m.NOT_YET)
    assert {r.service for r in m.ROUTES} == set(m.SERVICES)


def test_no_route_has_two_rows():
    keys = [(r.service, r.method, r.path) for r in m.ROUTES]
    assert len(keys) == len(set(keys))


def test_the_columns_are_the_roles_of_the_organisation_and_their_seeded_users():
    org = load_org(get_settings().org_file)
    assert {role for u in org.users for role in u.roles} == set(m.ROLES)
    for column, user_id in m.CALLERS.items():
        if user_id is None or column in m.CLAIMS:
            continue
        user = org.user(user_id)
        assert column.split(":")[0] in user.roles, (column, user_id)
    own, other = org.user(m.CALLERS["division_head:own"]), org.user(
        m.CALLERS["division_head:other"])
    assert own.division == m.OWN_DIVISION != other.division
    assigned, colleague = (org.user(m.CALLERS["officer:assigned"]),
                           org.user(m.CALLERS["officer:other"]))
    assert assigned.division == colleague.division == m.OWN_DIVISION
    assert assigned.id != colleague.id


def test_every_allow_names_a_known_column_and_every_route_asks_every_role():
    columns = set(m.CALLERS) | {m.PUBLIC}
    for route in m.ROUTES:
        assert route.allow and route.allow <= columns, route.name
        asked = route.columns()
        assert {c.split(":")[0] for c in asked} == {*m.ROLES, "none", "no_role"}, route.name
        assert all(c in m.CALLERS for c in asked)


def test_the_answers_follow_the_rule():
    receipt = next(r for r in m.ROUTES if r.path == "/cases/{case_id}/receipt")
    assert receipt.columns() == (
        "none", "front_office", "secretariat", "head_of_office", "division_head:own",
        "division_head:other", "officer:assigned", "officer:other", "ops", "analyst", "admin",
        "no_role")
    assert [receipt.expected(c) for c in ("none", "division_head:own", "division_head:other",
                                          "head_of_office", "no_role")] == [
        401, "allowed", 403, 403, 403]
    clocks = next(r for r in m.ROUTES if r.service == "sla" and r.path == "/clocks")
    assert "division_head" in clocks.columns() and clocks.expected("division_head") == "allowed"
    healthz = next(r for r in m.ROUTES if r.path == "/healthz")
    assert healthz.expected("none") == "allowed"
    cells = m.cells()
    assert len({c.id for c in cells}) == len(cells)
    assert {c.expected for c in cells} == {"allowed", 401, 403}
