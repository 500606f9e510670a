"""A command written to the command topic by anyone but intake's own HTTP side (here: with
the broker's admin credentials, as a leaked credential would allow) is not applied: without
intake's seal it is dead-lettered and the case stays as it was."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from chassis.auth import Principal
from chassis.commands import CommandMessage
from chassis.kafka import new_producer
from contracts.topics import DEADLETTER, INTAKE, command_topic
from services.intake import commands as c
from tests.support.auth import auth

from .support import events_of, letter_body, topic_events

FRONT = auth("frontdesk")


def withdrawal(case_id: str) -> CommandMessage:
    return CommandMessage(command_id=str(uuid.uuid4()), name=c.WITHDRAW_REQUEST, subject=case_id,
                          payload={"reason": "palsu"},
                          actor=Principal(sub="kadis", roles=["head_of_office"]),
                          at=datetime.now(UTC), correlation_id="forged")


@pytest.mark.parametrize("how", ["unsealed", "another key"])
async def test_a_forged_command_is_dead_lettered_and_changes_nothing(http, stack_env, how):
    r = await http.post("/requests", json=letter_body(), headers=FRONT)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    msg = withdrawal(case_id)
    value = (msg.model_dump_json().encode() if how == "unsealed"
             else msg.to_bytes(b"not-intakes-key-" * 2))
    producer = new_producer(bootstrap_servers=stack_env.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(command_topic("intake"), value, key=case_id.encode())
    finally:
        await producer.stop()
    [letter] = await events_of(stack_env.bootstrap, DEADLETTER, case_id, 1)
    assert letter.data.consumer == "intake" and "seal" in letter.data.error
    assert "palsu" not in letter.data.error  # the error never carries the input
    view = await http.get(f"/requests/{case_id}", headers=FRONT)
    assert view.json()["status"] == "registered"
    # a sealed command from intake's own HTTP side after it is applied: the forged one was not
    ok = await http.post(f"/requests/{case_id}/withdrawal", json={"reason": "batal"},
                         headers=FRONT)
    assert ok.status_code == 200, ok.text
    types = [e.type for e in await topic_events(stack_env.bootstrap, INTAKE, case_id)]
    assert types.count("RequestWithdrawn") == 1
    reasons = [e.data.reason for e in await topic_events(stack_env.bootstrap, INTAKE, case_id)
               if e.type == "RequestWithdrawn"]
    assert reasons == ["batal"]
