"""Personal data at rest: identity numbers are never stored or sent in clear.

An identity becomes `contracts.intake.Identity`:
- `masked`: what may be shown (see `identity.mask`);
- `ref`: HMAC-SHA256 of `KIND:number` under a secret key, to look a person up and
  de-duplicate without the number;
- `sealed`: the number encrypted with AES-256-GCM under the person's own data key
  (`key_id`, one per `ref`): deleting that key (`forget`) makes every copy of the number in
  every topic, table and backup unreadable (crypto-shredding, UU 27/2022 erasure).

Keys never go to Kafka: they live in a `KeyStore`. The default is a SQLite file under the
data directory; another store (a KMS, Vault) only has to implement the protocol.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chassis.clock import Clock, SystemClock
from contracts.intake import Identity

from .identity import mask, normalize

HMAC_KEY_ID = "hmac-v1"
REF_PREFIX = "hmac-sha256:"


class KeyStore(Protocol):
    """Where secret keys live (never in Kafka)."""

    def get_or_create(self, key_id: str) -> bytes:
        """The key with this id, created (32 random bytes) if it does not exist yet."""

    def get(self, key_id: str) -> bytes | None: ...

    def delete(self, key_id: str) -> bool:
        """Destroy the key; True if it existed."""


class SqliteKeyStore:
    """Keys in a local SQLite file. Safe across threads and processes (one short
    transaction per call; `INSERT OR IGNORE` makes concurrent creation converge)."""

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock = clock or SystemClock()  # stamps a key's created_at
        self._ready = False
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        if not self._ready:
            with self._lock:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, "
                             "material BLOB NOT NULL, created_at TEXT NOT NULL)")
                self._ready = True
        return conn

    def get_or_create(self, key_id: str) -> bytes:
        conn = self._connect()
        try:
            conn.execute("INSERT OR IGNORE INTO keys (id, material, created_at) VALUES (?, ?, ?)",
                         (key_id, os.urandom(32), self.clock.now().isoformat()))
            row = conn.execute("SELECT material FROM keys WHERE id = ?", (key_id,)).fetchone()
        finally:
            conn.close()
        return bytes(row[0])

    def get(self, key_id: str) -> bytes | None:
        conn = self._connect()
        try:
            row = conn.execute("SELECT material FROM keys WHERE id = ?", (key_id,)).fetchone()
        finally:
            conn.close()
        return bytes(row[0]) if row else None

    def delete(self, key_id: str) -> bool:
        conn = self._connect()
        try:
            return conn.execute("DELETE FROM keys WHERE id = ?", (key_id,)).rowcount > 0
        finally:
            conn.close()


class MemoryKeyStore:
    """A key store in a dict: for unit tests."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}

    def get_or_create(self, key_id: str) -> bytes:
        return self.keys.setdefault(key_id, os.urandom(32))

    def get(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)

    def delete(self, key_id: str) -> bool:
        return self.keys.pop(key_id, None) is not None


def open_keystore(url: str | None, data_dir: Path, clock: Clock | None = None) -> KeyStore:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy style), `memory://`, or
    nothing: the default file under the data directory."""
    if not url:
        return SqliteKeyStore(Path(data_dir) / "keystore" / "intake-keys.sqlite3", clock)
    if url.startswith("sqlite:///"):
        return SqliteKeyStore(Path(url.removeprefix("sqlite:///")), clock)
    if url == "memory://":
        return MemoryKeyStore()
    raise ValueError("unsupported key store URL (use sqlite:///path or memory://)")


class IdentityErased(Exception):
    """The person's data key was deleted: the sealed number can no longer be read."""


class IdentityVault:
    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self._hmac_key: bytes | None = None

    def _hmac(self) -> bytes:
        if self._hmac_key is None:
            self._hmac_key = self.store.get_or_create(HMAC_KEY_ID)
        return self._hmac_key

    def ref(self, kind: str, number: str) -> str:
        digest = hmac.new(self._hmac(), f"{kind}:{normalize(number)}".encode(), hashlib.sha256)
        return REF_PREFIX + digest.hexdigest()

    @staticmethod
    def key_id_for(ref: str) -> str:
        return "dk-" + hashlib.sha256(ref.encode()).hexdigest()[:32]

    def protect(self, kind: str, number: str, valid_until: date | None = None) -> Identity:
        """Masked, referenced and sealed: the only form an identity leaves the front desk in."""
        clear = normalize(number)
        ref = self.ref(kind, clear)
        key_id = self.key_id_for(ref)
        key = self.store.get_or_create(key_id)
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(key).encrypt(nonce, clear.encode(), _aad(kind, key_id))
        return Identity(kind=kind, masked=mask(kind, clear), ref=ref,
                        sealed=base64.b64encode(sealed).decode(), key_id=key_id,
                        valid_until=valid_until)

    def reveal(self, identity: Identity) -> str:
        key = self.store.get(identity.key_id)
        if key is None:
            raise IdentityErased(identity.key_id)
        raw = base64.b64decode(identity.sealed)
        try:
            clear = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(identity.kind, identity.key_id))
        except InvalidTag as exc:
            raise IdentityErased(identity.key_id) from exc
        return clear.decode()

    def forget(self, ref: str) -> bool:
        """Erase a person: delete their data key. True if there was one."""
        return self.store.delete(self.key_id_for(ref))


def _aad(kind: str, key_id: str) -> bytes:
    return f"audiensi-identity|{kind}|{key_id}".encode()
