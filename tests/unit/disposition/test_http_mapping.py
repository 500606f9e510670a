"""Agent replies -> HTTP: refusals become the matching problem in the caller's language;
request bodies refuse inconsistent input."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chassis.commands import Reply
from chassis.problems import Conflict, Forbidden, Invalid, NotFound, Unavailable
from services.disposition import errors as e
from services.disposition.bus import answer, problem_of
from services.disposition.handler import refusal
from services.disposition.schemas import AudienceBody, DispositionBody

HELD = "2026-03-02T09:00:00+07:00"


def test_a_success_is_answered_as_is():
    r = answer(Reply(status=200, body={"case_id": "c", "status": "disposed", "events": []}))
    assert r.status_code == 200 and b'"disposed"' in r.body


@pytest.mark.parametrize(("error", "problem"), [
    (e.NotReceived(), Conflict), (e.NotYourDivision("rehsos"), Forbidden),
    (e.CaseUnknown("c"), NotFound), (e.OfficerNotInDivision("x", "rehsos"), Invalid)])
def test_a_refusal_becomes_its_problem_in_both_languages(error, problem):
    got = problem_of(refusal(error, "c"))
    assert type(got) is problem
    assert got.body("id")["detail"] == error.text.id
    assert got.body("en")["detail"] == error.text.en
    assert got.body()["code"] == error.code


def test_an_invalid_refusal_names_its_field():
    got = problem_of(refusal(e.OfficerNotInDivision("x", "rehsos"), "c"))
    assert got.body()["errors"] == [{"field": "officer_id",
                                     "reason": "x is not an officer of division rehsos"}]


def test_a_refusal_raised_from_answer():
    with pytest.raises(Conflict):
        answer(refusal(e.NotHeld(), "c"))


def test_a_failed_publish_is_503():
    got = problem_of(Reply(status=503, body={"code": "publish-failed"}))
    assert isinstance(got, Unavailable) and got.headers["Retry-After"]


def test_a_problem_stored_under_an_idempotency_key_is_replayed_as_problem_json():
    r = answer(Reply(status=409, body={"__problem__": True, "status": 409, "detail": "x"}))
    assert r.status_code == 409 and r.media_type == "application/problem+json"
    assert b"__problem__" not in r.body


def test_the_file_check_must_be_consistent():
    with pytest.raises(ValidationError):
        AudienceBody(held_at=HELD, attendees=["Budi"], documents_complete=True,
                     missing_documents=["KTP"])
    with pytest.raises(ValidationError):
        AudienceBody(held_at=HELD, attendees=["Budi"], documents_complete=False)
    with pytest.raises(ValidationError):
        AudienceBody(held_at=HELD, attendees=[])
    body = AudienceBody(held_at=HELD, attendees=["Budi"], missing_documents=["KTP"])
    assert body.payload()["documents_complete"] is False


def test_blank_texts_and_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        DispositionBody(division="rehsos", instructions="   ")
    with pytest.raises(ValidationError):
        DispositionBody(division="rehsos", instructions="ok", urgent=True)
