import json

from contracts import ALL_EVENTS
from contracts.schema import DOCS, rendered


def test_committed_schemas_and_asyncapi_match_the_code():
    stale = [rel for rel, text in rendered().items()
             if not (DOCS / rel).exists() or (DOCS / rel).read_text(encoding="utf-8") != text]
    assert not stale, f"run `python -m contracts.schema`; stale: {stale}"


def test_asyncapi_names_every_event_on_its_topic():
    doc = json.loads((DOCS / "asyncapi.json").read_text())
    assert doc["asyncapi"] == "3.0.0"
    listed = {m for ch in doc["channels"].values() for m in ch["messages"]}
    assert listed == {c.model_fields["type"].default for c in ALL_EVENTS}
