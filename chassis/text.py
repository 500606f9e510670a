"""Bounded text: the one type every free-text field of a command body is declared with.

`Bounded(max_length)` is a `str` with surrounding whitespace stripped, a length between
`min_length` and `max_length` characters, and no control character (C0, DEL, C1) and no
bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069: they make a text display
other than it reads, e.g. a name that hides a different one). `multiline=True` (purposes,
complaint contents, reports) allows tab, line feed and carriage return.

A refusal is a 422 problem naming the field, with its reason in the caller's language
(`reason(error, lang)`, used by `chassis.problems.validation_errors`); the value is never
echoed. The OpenAPI schema carries the same rule as a `pattern`, so clients (and the
fuzzer) know it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic_core import PydanticCustomError, core_schema

from .i18n import Text

BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
LINE_CONTROLS = frozenset("\t\n\r")
#: the rule as a regular expression (the same in Python, pydantic's Rust engine and ECMA 262)
_OTHERS = r"\u007F-\u009F\u202A-\u202E\u2066-\u2069"
_FORBIDDEN = r"\u0000-\u001F" + _OTHERS
_FORBIDDEN_MULTILINE = r"\u0000-\u0008\u000B\u000C\u000E-\u001F" + _OTHERS
PATTERN = f"^[^{_FORBIDDEN}]*$"
PATTERN_MULTILINE = f"^[^{_FORBIDDEN_MULTILINE}]*$"

CONTROL = "text_control_character"
BIDI_CONTROL = "text_bidi_control"


def _control(code: int, multiline: bool) -> bool:
    if code < 0x20:
        return not (multiline and chr(code) in LINE_CONTROLS)
    return 0x7F <= code <= 0x9F


def check(value: str, multiline: bool = False) -> str:
    """`value`, or a `PydanticCustomError` saying which kind of character it may not hold
    (its code point, never the text)."""
    for ch in value:
        code = ord(ch)
        if code in BIDI:
            raise PydanticCustomError(BIDI_CONTROL, "Bidirectional control character {char}",
                                      {"char": f"U+{code:04X}"})
        if _control(code, multiline):
            raise PydanticCustomError(CONTROL, "Control character {char}",
                                      {"char": f"U+{code:04X}"})
    return value


@dataclass(frozen=True)
class SafeText:
    """Annotated metadata: the character rule, in validation and in the JSON schema."""

    multiline: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler):
        multiline = self.multiline
        return core_schema.no_info_after_validator_function(
            lambda v: check(v, multiline), handler(source))

    def __get_pydantic_json_schema__(self, schema, handler: GetJsonSchemaHandler):
        out = handler(schema)
        out.setdefault("pattern", PATTERN_MULTILINE if self.multiline else PATTERN)
        return out


def Bounded(max_length: int, *, min_length: int = 1, multiline: bool = False,  # noqa: N802
            pattern: str | None = None) -> Any:
    """A free-text field type: `name: Bounded(200)`, `content: Bounded(20000, multiline=True)`."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length,
                                            max_length=max_length, pattern=pattern),
                     SafeText(multiline)]


def reason(error: dict[str, Any], lang: str) -> str:
    """The reason of one pydantic error in `lang`: ours and the length ones translated, the
    others as pydantic words them."""
    ctx = error.get("ctx") or {}
    kind = error.get("type")
    if kind == CONTROL:
        text = Text(f"Tidak boleh berisi karakter kontrol ({ctx.get('char')})",
                    f"Must not contain control characters ({ctx.get('char')})")
    elif kind == BIDI_CONTROL:
        text = Text(f"Tidak boleh berisi karakter pengatur arah teks ({ctx.get('char')})",
                    f"Must not contain bidirectional control characters ({ctx.get('char')})")
    elif kind == "string_too_long":
        n = ctx.get("max_length")
        text = Text(f"Paling panjang {n} karakter", f"At most {n} characters")
    elif kind == "string_too_short":
        n = ctx.get("min_length")
        text = (Text("Wajib diisi", "Required") if n == 1 else
                Text(f"Paling sedikit {n} karakter", f"At least {n} characters"))
    else:
        return error.get("msg", "invalid")
    return text.get(lang)
