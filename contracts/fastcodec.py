"""The read path's decoder: msgspec structs generated from the pydantic contracts.

`contracts.decode` (pydantic) stays the authority: the write side and HTTP use it, and so
does every record the fast path does not take. `read(raw)` first tries a strict msgspec
decode into structs with the same field names, types, defaults and constraints as the
contract models (so `services/reporting/facts.py` reads them alike: attribute access,
`env.topic`, `env.data`); anything that decoder refuses or is not sure of (an older schema
version, a lax coercion pydantic would make, a `type` inside the data) goes to
`contracts.decode`, which accepts it or refuses it with its own reasons. So `read` accepts
and refuses exactly what `decode` does, with equal values
(`tests/unit/contracts/test_fastcodec.py` checks this over generated events of every type).

The structs are made from the models' `model_fields` at import: a field added to a
contract needs no change here; an annotation this module does not know fails the import.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

import msgspec
from annotated_types import Ge
from pydantic import AwareDatetime
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .base import Model
from .codec import decode
from .envelope import EVENT_TYPES, Envelope

AwareDT = Annotated[datetime, msgspec.Meta(tz=True)]


class FastEvent(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the generated event structs (TOPIC and SCHEMA_VERSION as class attributes)."""


class FastEnvelope(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the generated envelope structs: one per event type, `data` typed."""

    @property
    def topic(self) -> str:
        return self.data.TOPIC  # type: ignore[attr-defined]


class _Head(msgspec.Struct):
    """The two envelope fields that choose the decoder (everything else skipped)."""

    type: str
    schemaversion: int = 1


_STRUCTS: dict[type, type] = {}


def _pattern(pattern: str) -> str:
    """Python's `re` (msgspec) read as strictly as pydantic's Rust regex or more: ASCII
    classes and `$` only at the very end (Python's `$` also matches before a final '\\n')."""
    body = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") \
        else pattern
    return "(?a)" + body


def _annotation(tp: Any, metadata: list[Any]) -> Any:
    meta: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, Ge):
            meta["ge"] = m.ge
        elif getattr(m, "pattern", None) is not None:
            meta["pattern"] = _pattern(m.pattern)
        else:
            raise TypeError(f"fastcodec: unsupported field metadata {m!r}")
    base = _type(tp)
    return Annotated[base, msgspec.Meta(**meta)] if meta else base


def _type(tp: Any) -> Any:
    if tp is AwareDatetime:
        return AwareDT
    if tp in (str, int, float, bool, date, type(None)):
        return tp
    if isinstance(tp, type) and issubclass(tp, Model):
        return struct_of(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Literal:
        return tp
    if origin is Annotated:  # e.g. `contracts.sealed.Sealed` inside an Optional
        base, *extras = args
        metadata = [m for x in extras
                    for m in (x.metadata if isinstance(x, FieldInfo) else [x])]
        return _annotation(base, metadata)
    if origin is list:
        return list[_type(args[0])]
    if origin in (Union, types.UnionType):
        return Union[tuple(_type(a) for a in args)]  # noqa: UP007 - built from a tuple
    raise TypeError(f"fastcodec: unsupported annotation {tp!r}")


def _field(name: str, info: FieldInfo) -> tuple:
    tp = _annotation(info.annotation, info.metadata)
    if info.default_factory is not None:
        return (name, tp, msgspec.field(default_factory=info.default_factory))
    if info.default is PydanticUndefined:
        return (name, tp)
    return (name, tp, info.default)


def struct_of(model: type[Model]) -> type:
    """The msgspec struct mirroring a pydantic contract model."""
    if model in _STRUCTS:
        return _STRUCTS[model]
    fields = [_field(n, f) for n, f in model.model_fields.items()]
    namespace = {"__module__": __name__}
    base: type = msgspec.Struct
    if "TOPIC" in dir(model) and hasattr(model, "SCHEMA_VERSION"):
        namespace.update(TOPIC=model.TOPIC, SCHEMA_VERSION=model.SCHEMA_VERSION,
                         subject_id=model.subject_id)
        base = FastEvent
    struct = msgspec.defstruct(model.__name__, fields, bases=(base,), namespace=namespace,
                               frozen=True, kw_only=True, forbid_unknown_fields=True)
    _STRUCTS[model] = struct
    return struct


def _envelope_struct(event_cls: type[Model]) -> type:
    fields = [_field(n, f) for n, f in Envelope.model_fields.items() if n != "data"]
    fields = [(*f[:1], Literal["1.0"]) if f[0] == "specversion" else f for f in fields]
    fields.append(("data", struct_of(event_cls)))
    return msgspec.defstruct(f"Envelope{event_cls.__name__}", fields, bases=(FastEnvelope,),
                             namespace={"__module__": __name__}, frozen=True, kw_only=True,
                             forbid_unknown_fields=True)


_HEAD = msgspec.json.Decoder(_Head)
#: more than microseconds: msgspec rounds them, pydantic truncates (left to pydantic). A
#: comma as the decimal sign msgspec refuses anyway, so only the dot matters; the literal
#: prefix of `_SEVEN` makes `re` scan with memchr (~0.3 us a record, against ~2.4 us for
#: `_SUBMICRO` alone), and `_SUBMICRO` confirms the rare hit
_SEVEN = re.compile(rb"\.\d{7}")
_SUBMICRO = re.compile(rb"\d:\d\d\.\d{7}")
#: event type -> (its contract class, a decoder of its whole envelope)
_DECODERS: dict[str, tuple[type, msgspec.json.Decoder]] = {
    name: (cls, msgspec.json.Decoder(_envelope_struct(cls)))
    for name, cls in EVENT_TYPES.items()
}


def decode_fast(raw: bytes | str) -> FastEnvelope | None:
    """The envelope as structs, or None when the strict decoder does not take the record
    (then `contracts.decode` must decide)."""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "replace")
    if _SEVEN.search(data) and _SUBMICRO.search(data):
        return None
    try:
        head = _HEAD.decode(raw)
        found = _DECODERS.get(head.type)
        # an older version is upcast (and a newer one refused) by `contracts.decode`
        if found is None or head.schemaversion != found[0].SCHEMA_VERSION:
            return None
        env = found[1].decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return None
    if env.data.type != env.type:  # a `type` in the data: pydantic overwrites it
        return None
    return env


def read(raw: bytes | str | dict) -> FastEnvelope | Envelope:
    """Decode a record for a read model: the fast structs, or what `contracts.decode`
    makes of it (raising its DecodeError for what it refuses)."""
    if not isinstance(raw, dict):
        env = decode_fast(raw)
        if env is not None:
            return env
    return decode(raw)
