"""Commands are sealed by the HTTP side and opened by the agent: a record without the seal,
with a wrong one, or changed after sealing is a forged command."""

from datetime import UTC, datetime

import pytest

from chassis.auth import Principal
from chassis.commands import CommandMessage
from chassis.signing import ForgedCommand, seal, unseal

KEY, OTHER = b"k" * 32, b"o" * 32
MSG = CommandMessage(command_id="cmd-1", name="withdraw", subject="c-1",
                     actor=Principal(sub="frontdesk", roles=["front_office"]),
                     at=datetime(2026, 3, 2, tzinfo=UTC), correlation_id="corr")


def test_a_sealed_command_opens_to_the_same_command():
    raw = MSG.to_bytes(KEY)
    assert raw.startswith(b"acmd1.") and CommandMessage.from_bytes(raw, KEY) == MSG


def test_an_unsealed_command_is_forged():
    with pytest.raises(ForgedCommand, match="without a seal"):
        CommandMessage.from_bytes(MSG.model_dump_json().encode(), KEY)


def test_a_seal_made_with_another_key_is_forged():
    with pytest.raises(ForgedCommand, match="wrong seal"):
        CommandMessage.from_bytes(MSG.to_bytes(OTHER), KEY)


def test_a_command_changed_after_sealing_is_forged():
    raw = MSG.to_bytes(KEY).replace(b"front_office", b"head_of_office")
    with pytest.raises(ForgedCommand):
        CommandMessage.from_bytes(raw, KEY)


def test_a_seal_without_a_body_is_forged():
    with pytest.raises(ForgedCommand):
        unseal(b"acmd1.deadbeef", KEY)
    assert unseal(seal(b"{}", KEY), KEY) == b"{}"
