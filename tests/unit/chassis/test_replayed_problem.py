import json

from chassis.commands import Reply
from chassis.idempotency import replayed_problem
from chassis.problems import Conflict


def test_a_refusal_stored_under_an_idempotency_key_is_answered_again_as_problem_json():
    stored = Reply(status=409, body={"__problem__": True, **Conflict("sudah").body()},
                   headers={"X-Test": "1"})
    response = replayed_problem(stored)
    assert response.status_code == 409
    assert response.media_type == "application/problem+json"
    body = json.loads(response.body)
    assert "__problem__" not in body and body["detail"] == "sudah"
    assert response.headers["x-test"] == "1"


def test_other_replies_are_not_replays():
    assert replayed_problem(Reply(status=201, body={"case_id": "c"})) is None
    assert replayed_problem(Reply(status=409, body={"code": "x"})) is None
