"""Who may read a request or a complaint (chassis.scope), and where intake learns it from:
the disposition service's events, folded into a case's `Access` (services/intake/access.py)."""

from __future__ import annotations

import pytest

from chassis.auth import Principal
from chassis.scope import CaseAccess, may_read_case
from contracts import envelope
from contracts.disposition import CaseDisposed, DispositionReceived, OfficerAssigned, WalkInDirected
from contracts.sealed import sample as sealed
from services.intake import access, domain
from services.intake import commands as c
from services.intake import registrar as books
from services.intake.errors import NotFound, OutOfScope

from .builders import AT, IDENTITY, letter_cmd

FRONT = Principal(sub="frontdesk", roles=("front_office",))
SEKRETARIAT = Principal(sub="sekretariat", roles=("secretariat",), division="sekretariat")
KADIS = Principal(sub="kadis", roles=("head_of_office",))
KABID_REHSOS = Principal(sub="kabid-rehsos", roles=("division_head",), division="rehsos")
KABID_LINJAMSOS = Principal(sub="kabid-linjamsos", roles=("division_head",),
                            division="linjamsos")
PETUGAS_1 = Principal(sub="petugas-rehsos-1", roles=("officer",), division="rehsos")
PETUGAS_2 = Principal(sub="petugas-rehsos-2", roles=("officer",), division="rehsos")
OPS = Principal(sub="ops", roles=("ops",))
ANALIS = Principal(sub="analis", roles=("analyst",))
ADMIN = Principal(sub="admin", roles=("admin",))


def env(event, seq: int):
    return envelope(event, source="disposition", sequence=seq, time=AT)


DISPOSED = env(CaseDisposed(case_id="c-1", division="rehsos", instructions="tindak lanjuti",
                            disposed_by="kadis"), 1)
RECEIVED = env(DispositionReceived(case_id="c-1", division="rehsos",
                                   received_by="kabid-rehsos"), 2)
ASSIGNED = env(OfficerAssigned(case_id="c-1", officer_id="petugas-rehsos-1",
                               assigned_by="kabid-rehsos"), 3)


def fold(*envs):
    a = None
    for e in envs:
        a = access.evolve(a, e)
    return a


def registered():
    state = None
    for event in books.register(None, None, letter_cmd("c-1"), "cmd-1", AT).events:
        state = domain.evolve(state, event, "cmd-1")
    return state


@pytest.mark.parametrize("reader", [FRONT, SEKRETARIAT, KADIS])
def test_the_front_office_the_secretariat_and_the_head_of_office_read_every_case(reader):
    assert may_read_case(reader, None)
    assert domain.read(registered(), c.GET_REQUEST, reader)["case_id"] == "c-1"


@pytest.mark.parametrize("reader", [OPS, ANALIS, ADMIN, KABID_REHSOS, PETUGAS_1])
def test_nobody_else_reads_a_case_that_went_nowhere_yet(reader):
    with pytest.raises(OutOfScope) as err:
        domain.read(registered(), c.GET_REQUEST, reader, None)
    assert err.value.status == 403


def test_a_division_head_reads_only_the_cases_disposed_to_their_division():
    a = fold(DISPOSED)
    assert domain.read(registered(), c.GET_REQUEST, KABID_REHSOS, a)["case_id"] == "c-1"
    with pytest.raises(OutOfScope):
        domain.read(registered(), c.GET_REQUEST, KABID_LINJAMSOS, a)


def test_a_copy_lets_the_other_division_head_read():
    assert may_read_case(KABID_LINJAMSOS, CaseAccess(division="rehsos", copies=("linjamsos",)))
    assert not may_read_case(PETUGAS_2, CaseAccess(division="rehsos", copies=("rehsos",)))


def test_an_officer_reads_only_the_case_assigned_to_them():
    a = fold(DISPOSED, RECEIVED, ASSIGNED)
    assert domain.read(registered(), c.GET_REQUEST, PETUGAS_1, a)["case_id"] == "c-1"
    with pytest.raises(OutOfScope):
        domain.read(registered(), c.GET_REQUEST, PETUGAS_2, a)
    assert domain.read(registered(), c.GET_REQUEST, KABID_REHSOS, a)["case_id"] == "c-1"


def test_a_walk_in_is_read_by_the_officer_it_was_directed_to_and_their_head():
    # an officer of another division directed to a walk-in reads it; their head too
    directed = env(WalkInDirected(case_id="c-1", officer_id="petugas-linjamsos-1",
                                  directed_by="frontdesk", division="linjamsos"), 1)
    a = fold(directed)
    officer = Principal(sub="petugas-linjamsos-1", roles=("officer",), division="linjamsos")
    assert may_read_case(officer, a) and may_read_case(KABID_LINJAMSOS, a)
    assert not may_read_case(KABID_REHSOS, a)


def test_an_unknown_case_is_not_found_before_its_scope_is_looked_at():
    with pytest.raises(NotFound):
        domain.read(None, c.GET_REQUEST, PETUGAS_2, None)


def test_access_is_idempotent_and_a_redisposition_replaces_the_division():
    once = fold(DISPOSED, RECEIVED, ASSIGNED)
    assert fold(DISPOSED, RECEIVED, ASSIGNED, ASSIGNED, RECEIVED, DISPOSED) == once
    assert (once.division, once.officer_id, once.sequence) == ("rehsos", "petugas-rehsos-1", 3)
    again = env(CaseDisposed(case_id="c-1", division="linjamsos", instructions="x",
                             disposed_by="kadis"), 2)
    assert fold(DISPOSED, again).division == "linjamsos"


def test_only_the_events_saying_where_a_case_went_are_relevant():
    assert access.relevant("CaseDisposed") and access.relevant("WalkInDirected")
    assert not access.relevant("ApplicantInformed") and not access.relevant("AudienceHeld")
    assert not access.relevant(None)


def test_a_case_that_ended_at_the_disposition_service_cannot_be_withdrawn():
    from contracts.disposition import AudienceDeclined, CaseCancelled, CaseClosed
    from services.intake.errors import AlreadyDone
    withdraw = domain.Command(c.WITHDRAW_REQUEST, {"reason": "tidak jadi"}, "frontdesk", AT)
    assert domain.decide(registered(), withdraw, fold(DISPOSED, RECEIVED, ASSIGNED))
    for i, ending in enumerate((
            CaseClosed(case_id="c-1", closed_by="kadis", outcome="selesai"),
            CaseCancelled(case_id="c-1", reason="ganda", cancelled_by="kadis"),
            AudienceDeclined(case_id="c-1", reason="di luar kewenangan", channel="telepon",
                             message="Mohon maaf", declined_by="petugas-rehsos-1"))):
        ended = fold(DISPOSED, RECEIVED, ASSIGNED, env(ending, 4 + i))
        assert access.relevant(ending.type)
        with pytest.raises(AlreadyDone) as err:
            domain.decide(registered(), withdraw, ended)
        assert err.value.status == 409 and "tidak dapat ditarik" in err.value.text.id


# -- complaints ------------------------------------------------------------------------------
FILING = dict(complaint_id="cp-1", tracking_id="ADU-2026-7KQ3M9", channel="sp4n_lapor",
              identity=IDENTITY.model_dump(mode="json"), subject="layanan",
              content=sealed("petugas meminta uang"))


def complaint(**extra):
    [filed] = domain.decide(None, domain.Command(c.FILE_COMPLAINT, {**FILING, **extra},
                                                 "frontdesk", AT))
    return domain.evolve(None, filed, "cmd-file")


@pytest.mark.parametrize("reader", [SEKRETARIAT, KADIS])
def test_a_confidential_complaints_content_is_read_by_the_secretariat_and_the_head(reader):
    shown = domain.read(complaint(confidential=True), c.GET_COMPLAINT, reader)
    assert shown["content"] == sealed("petugas meminta uang") and shown["identity"] is None


def test_the_front_office_reads_a_confidential_complaint_without_its_content():
    shown = domain.read(complaint(confidential=True), c.GET_COMPLAINT, FRONT)
    assert "content" not in shown and shown["subject"] == "layanan"
    read = domain.read(complaint(), c.GET_COMPLAINT, FRONT)
    assert read["content"] == sealed("petugas meminta uang")


@pytest.mark.parametrize("reader", [OPS, ANALIS, ADMIN, KABID_REHSOS, PETUGAS_1])
def test_no_other_role_reads_a_complaint(reader):
    with pytest.raises(OutOfScope):
        domain.read(complaint(), c.GET_COMPLAINT, reader)
