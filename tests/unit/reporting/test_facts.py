"""One fact function per event type; personal data never enters the read model."""

import json

import pytest

from contracts import ALL_EVENTS, envelope
from contracts.samples import samples
from services.reporting.facts import FACT_FUNCTIONS, NotProjectable, entry_of

pytestmark = pytest.mark.unit


def test_every_event_but_dead_letters_has_a_fact_function():
    names = {cls.model_fields["type"].default for cls in ALL_EVENTS}
    assert set(FACT_FUNCTIONS) == names - {"DeadLettered"}


@pytest.mark.parametrize("event", [e for e in samples() if e.type != "DeadLettered"],
                         ids=lambda e: e.type)
def test_entries_keep_no_identity_secrets(event):
    entry = entry_of(envelope(event, source="x", sequence=1), event.TOPIC)
    text = json.dumps(entry)
    assert "hmac:abc" not in text and "c2VhbGVk" not in text  # ref, sealed
    assert entry["type"] == event.type and entry["seq"] == 1


def test_applicant_keeps_the_sealed_name_and_masked_identity_only():
    requested = next(e for e in samples() if e.type == "AudienceRequested")
    facts = entry_of(envelope(requested, source="intake", sequence=1), requested.TOPIC)["facts"]
    assert facts["applicant_name"] == requested.applicant.name  # the sealed token, as it came
    assert facts["identity_masked"] == requested.applicant.identity.masked
    assert "Budi" not in str(facts)
    assert "ref" not in facts and "sealed" not in facts and "key_id" not in facts


def test_times_are_fixed_width_utc():
    requested = next(e for e in samples() if e.type == "AudienceRequested")
    entry = entry_of(envelope(requested, source="intake", sequence=1), requested.TOPIC)
    assert entry["time"].endswith("+00:00")
    assert entry["facts"]["requested_at"] == "2026-03-02T01:30:00.000000+00:00"


def test_a_dead_letter_is_not_projectable():
    dl = next(e for e in samples() if e.type == "DeadLettered")
    with pytest.raises(NotProjectable):
        entry_of(envelope(dl, source="x", sequence=1), dl.TOPIC)
