"""Personal fields on the wire are *sealed*: never plaintext on Kafka, in a changelog or a
dead letter.

A sealed value is a short string token `s1.<key id>.<base64url(nonce || AES-256-GCM
ciphertext)>` made by `chassis.sealing.Sealer` under the data key of the record it belongs
to (`case:<case_id>`, `visit:<visit_id>`, `complaint:<complaint_id>`); the key id is also the
ciphertext's associated data, so a token cannot be moved to another key. The keys live only
in the key store (`chassis.keystore`): deleting a record's key (erasure) makes every copy of
its tokens, in every topic, table and backup, unreadable (crypto-shredding).

The contracts type every personal field as `Sealed`, so an event or command that carries a
name, phone, contact, organisation, sender, purpose, identity number or complaint text in
clear does not validate: the write side cannot publish one, and the read side refuses one.
Pure: no crypto here, only the token's shape.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

PREFIX = "s1."
PATTERN = r"^s1\.[A-Za-z0-9:_-]{1,100}\.[A-Za-z0-9_-]{24,}$"
_TOKEN = re.compile(PATTERN.replace("$", r"\Z"))

Sealed = Annotated[str, Field(pattern=PATTERN, description=(
    "a personal value sealed under its record's data key: s1.<key id>.<ciphertext>"))]


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.match(value) is not None


def key_id_of(token: str) -> str:
    """The data key a token was sealed under (ValueError if it is not a token)."""
    if not is_sealed(token):
        raise ValueError("not a sealed value")
    return token.split(".", 2)[1]


def case_key(case_id: str) -> str:
    return f"case:{case_id}"


def visit_key(visit_id: str) -> str:
    return f"visit:{visit_id}"


def complaint_key(complaint_id: str) -> str:
    return f"complaint:{complaint_id}"


def record_of(key_id: str) -> tuple[str, str] | None:
    """(kind, id) of a record key (`case`, `visit`, `complaint`), None for another key."""
    kind, _, rid = key_id.partition(":")
    return (kind, rid) if kind in ("case", "visit", "complaint") and rid else None


def sample(text: str, key_id: str = "sample:0") -> str:
    """A well-formed token for sample data and pure tests: deterministic, holds a digest of
    `text` (never the text), and opens to nothing (no key store has its key)."""
    import base64
    import hashlib

    digest = hashlib.sha256(f"{key_id}|{text}".encode()).digest()
    return f"{PREFIX}{key_id}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"
