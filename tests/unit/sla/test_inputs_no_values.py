"""A sealed record on the SLA command topic that is not a command is refused (dead-lettered)
with the fields that are wrong, never the values it carried."""

from __future__ import annotations

import json

import pytest

from chassis.signing import command_key, seal
from services.sla.inputs import BadInput, parse_command


def test_a_bad_command_names_its_fields_not_their_values():
    body = {"command_id": "c-1", "name": "acknowledge", "subject": "case-1",
            "payload": {"note": "Siti Aminah 0812 7000 1111"},
            "actor": {"sub": ["Budi Santoso"]}, "at": "kemarin sore"}
    with pytest.raises(BadInput) as err:
        parse_command(seal(json.dumps(body).encode(), command_key()))
    text = str(err.value)
    assert "actor.sub" in text and "at" in text
    for value in ("Budi Santoso", "kemarin sore", "Siti Aminah"):
        assert value not in text
