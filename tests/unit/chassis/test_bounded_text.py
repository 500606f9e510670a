"""Bounded text (chassis/text.py): every free-text field of every command body of every
service is bounded and refuses control and bidirectional override characters with a 422 that
names the field, in Bahasa Indonesia or English, and sends nothing."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from chassis.commands import Reply
from chassis.settings import Settings
from chassis.text import PATTERN, PATTERN_MULTILINE, Bounded
from services.disposition import deps as disposition_deps
from services.disposition.app import build as build_disposition
from services.documents.app import build as build_documents
from services.intake import deps as intake_deps
from services.intake.app import build as build_intake
from services.reporting.app import build as build_reporting
from services.sla.app import build as build_sla
from tests.support.api import FakeBus, fixed_clock, unstarted
from tests.support.auth import auth

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069"]
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"]


class Form(BaseModel):
    name: Bounded(10)
    story: Bounded(50, multiline=True)


@pytest.mark.parametrize("char", BIDI + CONTROLS)
def test_a_control_or_bidi_character_is_refused_in_any_text(char):
    for field in ("name", "story"):
        values = {"name": "Siti", "story": "ok", field: f"ab{char}cd"}
        with pytest.raises(ValidationError) as err:
            Form(**values)
        [e] = err.value.errors()
        assert e["loc"] == (field,)
        assert e["type"] in ("text_control_character", "text_bidi_control")
        assert e["ctx"]["char"] == f"U+{ord(char):04X}"


def test_line_breaks_only_in_multiline_texts_and_lengths_are_bounded():
    assert Form(name=" Siti ", story="baris 1\nbaris 2\r\n\tbaris 3").name == "Siti"
    with pytest.raises(ValidationError):
        Form(name="Siti\nAminah", story="x")
    with pytest.raises(ValidationError):
        Form(name="x" * 11, story="x")
    with pytest.raises(ValidationError):
        Form(name="   ", story="x")
    assert Form(name="Ñoño 名字 ✓", story="emoji 🙂 ok").story == "emoji 🙂 ok"


def test_the_schema_pattern_says_the_same_as_the_validator():
    for char in BIDI + CONTROLS:
        assert not re.match(PATTERN, f"a{char}b") and not re.match(PATTERN_MULTILINE, f"a{char}b")
    assert re.match(PATTERN_MULTILINE, "a\nb\tc") and not re.match(PATTERN, "a\nb")
    assert re.match(PATTERN, "Siti Aminah — Desa Air Itam, 名字")


# -- every service, every command body ------------------------------------------------------
def apps(tmp_path):
    return {
        "intake": build_intake(Settings(data_dir=tmp_path, env="test", keystore_url="memory://")),
        "disposition": build_disposition(Settings(data_dir=tmp_path)),
        "sla": build_sla(Settings(data_dir=tmp_path)),
        "reporting": build_reporting(Settings(data_dir=tmp_path)),
        "documents": build_documents(Settings(data_dir=tmp_path)),
    }


def _strings(schema: dict, defs: dict, path: str, seen: frozenset = frozenset()):
    """Every free-text string in a JSON schema: (path, its schema)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _strings(defs[name], defs, path, seen | {name})
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _strings(sub, defs, path, seen)
    kind = schema.get("type")
    if kind == "object":
        for name, sub in (schema.get("properties") or {}).items():
            yield from _strings(sub, defs, f"{path}.{name}" if path else name, seen)
    elif kind == "array":
        yield from _strings(schema.get("items") or {}, defs, f"{path}[]", seen)
    elif kind == "string" and "enum" not in schema and "const" not in schema \
            and "format" not in schema:
        yield path, schema


def test_every_free_text_field_of_every_command_body_is_bounded(tmp_path):
    checked = 0
    for service, app in apps(tmp_path).items():
        spec = app.openapi()
        defs = spec.get("components", {}).get("schemas", {})
        for route, ops in spec["paths"].items():
            for method, op in ops.items():
                content = (op.get("requestBody") or {}).get("content", {})
                for media in content.values():
                    for field, schema in _strings(media["schema"], defs, ""):
                        where = f"{service} {method.upper()} {route} {field}"
                        assert schema.get("maxLength"), where
                        assert schema.get("pattern"), where
                        if schema["pattern"] not in (PATTERN, PATTERN_MULTILINE):
                            # a stricter pattern of its own (phone, LAPOR id): ASCII only
                            assert not re.match(schema["pattern"], "1\u202e2"), where
                        checked += 1
    assert checked >= 40  # intake, disposition and sla bodies: every text field


def test_intake_refuses_a_bidi_name_naming_the_field_in_both_languages(tmp_path):
    app = build_intake(Settings(data_dir=tmp_path, env="test", keystore_url="memory://"))
    fixed_clock(app)
    bus = FakeBus(Reply(status=201, body={}))
    app.dependency_overrides[intake_deps.registrar] = lambda: bus
    body = {"name": "Siti \u202eanimA", "purpose": "konsultasi",
            "identity": {"kind": "KTP", "number": "1971015708900001"}}
    client = unstarted(app)
    r = client.post("/visits", json=body, headers=auth("frontdesk"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    [error] = r.json()["errors"]
    assert error == {"field": "name", "reason":
                     "Tidak boleh berisi karakter pengatur arah teks (U+202E)"}
    assert "animA" not in r.text
    r = client.post("/visits", json=body, headers={**auth("frontdesk"), "Accept-Language": "en"})
    assert r.json()["errors"] == [{"field": "name", "reason":
                                   "Must not contain bidirectional control characters (U+202E)"}]
    assert bus.sent == []


def test_disposition_refuses_a_control_character_in_the_instructions(tmp_path):
    app = build_disposition(Settings(data_dir=tmp_path))
    bus = FakeBus(Reply(status=200, body={}))
    app.dependency_overrides[disposition_deps.bus] = lambda: bus
    r = unstarted(app).post("/cases/case-1/disposition",
                            json={"division": "rehsos", "instructions": "segera\x1b[2J"},
                            headers={**auth("kadis"), "Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "instructions", "reason":
                                   "Must not contain control characters (U+001B)"}]
    assert bus.sent == []


def test_a_text_over_its_length_is_refused_with_the_limit_in_the_reason(tmp_path):
    app = build_disposition(Settings(data_dir=tmp_path))
    bus = FakeBus(Reply(status=200, body={}))
    app.dependency_overrides[disposition_deps.bus] = lambda: bus
    r = unstarted(app).post("/cases/case-1/disposition",
                            json={"division": "rehsos", "instructions": "x" * 4001},
                            headers=auth("kadis"))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "instructions",
                                   "reason": "Paling panjang 4000 karakter"}]
    assert bus.sent == []
