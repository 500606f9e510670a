"""Export JSON Schema for every event and an AsyncAPI 3.0 document.

Run `python -m contracts.schema` to (re)write `docs/schemas/` and `docs/asyncapi.json`;
`tests/unit/contracts/test_schema_export.py` checks the committed files match the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .envelope import ALL_EVENTS, Envelope
from .topics import TOPICS, WRITERS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def event_schema(cls) -> dict:
    schema = cls.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:audiensi:event:{cls.model_fields['type'].default}:v{cls.SCHEMA_VERSION}"
    return schema


def envelope_schema() -> dict:
    schema = Envelope.model_json_schema(mode="serialization")
    schema["$id"] = "urn:audiensi:envelope:cloudevents-1.0"
    return schema


def asyncapi() -> dict:
    messages: dict[str, dict] = {}
    channels: dict[str, dict] = {}
    operations: dict[str, dict] = {}
    for topic, partitions in TOPICS.items():
        names = [c.model_fields["type"].default for c in ALL_EVENTS if topic == c.TOPIC]
        channel_id = topic.replace(".", "_")
        channels[channel_id] = {
            "address": topic,
            "description": f"writer: {WRITERS[topic]}; key = subject (case id); "
            f"{partitions} partitions",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
            "bindings": {"kafka": {"topic": topic, "partitions": partitions}},
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{n}"} for n in names],
        }
    for cls in ALL_EVENTS:
        name = cls.model_fields["type"].default
        messages[name] = {
            "name": name,
            "contentType": "application/cloudevents+json",
            "headers": {"$ref": "schemas/Envelope.json"},
            "payload": {"$ref": f"schemas/{name}.json"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "subject"}}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Audiensi events",
            "version": "1.0.0",
            "description": "Events of the Standar Layanan Audiensi system (CloudEvents 1.0).",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def rendered() -> dict[str, str]:
    """Relative path under docs/ -> file text."""

    def dump(obj: dict) -> str:
        return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    files = {"schemas/Envelope.json": dump(envelope_schema()), "asyncapi.json": dump(asyncapi())}
    for cls in ALL_EVENTS:
        files[f"schemas/{cls.model_fields['type'].default}.json"] = dump(event_schema(cls))
    return files


def write(docs: Path = DOCS) -> list[Path]:
    written = []
    for rel, text in rendered().items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write():
        print(p.relative_to(DOCS.parent), file=sys.stdout)
