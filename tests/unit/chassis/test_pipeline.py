"""The agent side of the command pipeline: one retry policy, one dead-letter builder, one
mapping of a decision's outcome to its reply."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from pydantic import BaseModel, ValidationError

from chassis import pipeline
from chassis.auth import Principal
from chassis.commands import CommandMessage, Reply
from chassis.errors import DomainError
from chassis.i18n import Text
from contracts import decode

MSG = CommandMessage(command_id="cmd-1", name="withdraw", subject="c-1",
                     actor=Principal(sub="frontdesk", roles=["front_office"]),
                     at=datetime(2026, 3, 2, tzinfo=UTC), correlation_id="corr")


@dataclass
class Record:
    topic: str = "audiensi.commands.intake.v1"
    partition: int = 3
    offset: int = 41
    key: bytes = b"c-1"
    value: bytes = b"{not json"


@dataclass
class Event:
    message: Record


class FlakyPublisher:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.sent = failures, error, []

    async def publish(self, envelopes) -> None:
        if self.failures:
            self.failures -= 1
            raise self.error
        self.sent.extend(envelopes)


class Captured(pipeline.AgentIO):
    """AgentIO whose reply is kept instead of sent to Redis (the wire is tested elsewhere)."""

    def __init__(self, publisher) -> None:
        super().__init__("intake", publisher, lambda: None)
        self.replies: list[Reply] = []

    async def reply(self, msg, reply) -> None:
        self.replies.append(reply)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    original = pipeline.retrying
    monkeypatch.setattr(pipeline, "retrying", lambda: original(first=0.001, most=0.002))


async def test_a_failed_publish_is_sent_again_until_the_broker_takes_it():
    publisher = FlakyPublisher(3, KafkaConnectionError())
    io = Captured(publisher)
    letter = pipeline.dead_letter_envelope("intake", Record(), "boom")
    await io.publish([letter])
    assert publisher.failures == 0 and publisher.sent == [letter]


async def test_events_too_large_are_not_retried():
    io = Captured(FlakyPublisher(1, MessageSizeTooLargeError()))
    with pytest.raises(MessageSizeTooLargeError):
        await io.publish([pipeline.dead_letter_envelope("intake", Record(), "x")])


def test_a_dead_letter_is_the_same_for_the_same_record_and_keeps_the_error_short():
    one = pipeline.dead_letter_envelope("intake", Record(), "e" * 5000)
    two = pipeline.dead_letter_envelope("intake", Record(), "other")
    assert one.id == two.id and one.sequence == 42
    letter = decode(one.model_dump_json().encode()).data
    assert letter.partition == 3 and letter.offset == 41 and letter.key == "c-1"
    assert len(letter.error) == pipeline.ERROR_KEPT
    assert pipeline.dead_letter_envelope("intake", Record(offset=42), "x").id != one.id


def test_describe_names_the_fields_never_the_values():
    class Body(BaseModel):
        nik: int

    with pytest.raises(ValidationError) as err:
        Body(nik="3171-SECRET")
    text = pipeline.describe(err.value)
    assert "nik" in text and "SECRET" not in text


async def test_answer_replies_with_the_decision():
    io = Captured(FlakyPublisher(0, KafkaConnectionError()))

    async def decide():
        return Reply(status=200, body={"ok": True})

    await io.answer(Event(Record()), MSG, decide)
    assert io.replies == [Reply(status=200, body={"ok": True})]


async def test_answer_turns_a_refusal_into_its_problem():
    io = Captured(FlakyPublisher(0, KafkaConnectionError()))

    class Closed(DomainError):
        code, kind = "closed", "refused"

    async def decide():
        raise Closed(Text("Sudah ditutup", "Already closed"))

    await io.answer(Event(Record()), MSG, decide)
    [reply] = io.replies
    assert reply.status == 409 and reply.body["code"] == "closed"
    assert reply.body["id"] == "Sudah ditutup" and reply.body["en"] == "Already closed"


async def test_answer_dead_letters_a_payload_the_decider_cannot_read():
    publisher = FlakyPublisher(0, KafkaConnectionError())
    io = Captured(publisher)

    class Body(BaseModel):
        reason: str

    async def decide():
        Body.model_validate({"reason": 5})

    await io.answer(Event(Record()), MSG, decide)
    assert io.replies[0].status == 500
    [letter] = publisher.sent
    assert letter.type == "DeadLettered" and "invalid withdraw" in letter.data.error


async def test_answer_says_500_when_the_events_are_too_large():
    io = Captured(FlakyPublisher(0, KafkaConnectionError()))

    async def decide():
        raise MessageSizeTooLargeError()

    await io.answer(Event(Record()), MSG, decide)
    assert io.replies[0].status == 500 and io.replies[0].body["code"] == "internal"
