"""The agenda book's lines and who sees which (`GET /agenda`, `/agenda.csv`). Pure."""

from __future__ import annotations

import pytest

from chassis.auth import Principal
from chassis.problems import Forbidden
from services.reporting import scenarios as sc
from services.reporting.api_agenda import agenda_scope
from services.reporting.reading import AGENDA_COLUMNS, agenda_row

from .memory import MemoryModel

pytestmark = pytest.mark.unit


def view_of(envs, subject: str) -> dict:
    m = MemoryModel()
    m.apply(envs)
    return m.view(subject)


def test_a_registered_letter_is_a_line_of_the_agenda_book():
    row = agenda_row(view_of(sc.letter_case("c1", until="disposed"), "c1"))
    assert row is not None and tuple(row) == AGENDA_COLUMNS
    assert row["agenda_number"].startswith("AUD/") and row["registered_at"]
    assert row["case_id"] == "c1" and row["division"] == "rehsos"
    assert row["status"] == "disposed" and row["subject"]


def test_a_letter_not_yet_registered_and_a_walk_in_are_not_in_it():
    assert agenda_row(view_of(sc.letter_case("c2", until="requested"), "c2")) is None
    assert agenda_row(view_of(sc.walk_in_case("c3", until="directed"), "c3")) is None


def principal(*roles: str, division: str | None = None) -> Principal:
    return Principal(sub="u", roles=roles, division=division)


def test_the_office_sees_every_division_and_a_division_head_their_own_only():
    for role in ("secretariat", "front_office", "head_of_office"):
        assert agenda_scope(principal(role), None) is None
        assert agenda_scope(principal(role), "pmd") == "pmd"
    head = principal("division_head", division="rehsos")
    assert agenda_scope(head, None) == "rehsos"
    assert agenda_scope(head, "rehsos") == "rehsos"
    with pytest.raises(Forbidden):
        agenda_scope(head, "pmd")
    with pytest.raises(Forbidden):
        agenda_scope(principal("division_head"), None)
