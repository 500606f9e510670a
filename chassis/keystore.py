"""Where the secret keys of personal data live: never in Kafka, never in clear at rest.

A key store keeps named 32-byte keys (a person's data key, the HMAC key of identity
references, a case's document key). Each key is stored wrapped (AES-256-GCM, the key's id as
associated data) under a master key that is never stored beside them: it comes from
`AUDIENSI_MASTER_KEY` (base64 of 32 bytes; a docker secret through AUDIENSI_SECRETS_DIR), or,
outside production, from a file made once under the data dir (`master.key`, 0600).

Stores:
- `redis://…` (the default: the service's Redis): one hash shared by every worker on every
  host, persistent as Redis is (AOF in docker-compose), so an erasure on one worker is an
  erasure for all; `redis+cluster://…` on a Redis Cluster, where every key of the store
  carries the hash tag `{keystore}` (one slot: the names are the same as on one server, so
  a deployment moving to a cluster copies the keys over unchanged, docs/REDIS_CLUSTER.md);
- `sqlite:///path`: a local file, for a single host;
- `memory://`: a dict, only when AUDIENSI_ENV=test.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .clock import Clock, SystemClock

KEY_BYTES = 32
REDIS_HASH = "audiensi:{keystore}:keys"
#: a person's record keys (same hash tag as the keys: one Cluster slot)
REDIS_LINKS = "audiensi:{keystore}:links:"


class KeyStore(Protocol):
    """Named secret keys (never in Kafka)."""

    def get_or_create(self, key_id: str) -> bytes:
        """The key with this id, created (32 random bytes) if it does not exist yet."""

    def get(self, key_id: str) -> bytes | None: ...

    def delete(self, key_id: str) -> bool:
        """Destroy the key; True if it existed."""

    def get_many(self, key_ids: list[str]) -> dict[str, bytes | None]:
        """Several keys in one round trip (None for a key that does not exist)."""

    def link(self, anchor: str, key_id: str) -> None:
        """Remember that `key_id` belongs to `anchor` (a person: their records' keys)."""

    def linked(self, anchor: str) -> set[str]:
        """The key ids linked to `anchor`."""

    def unlink(self, anchor: str) -> None:
        """Forget `anchor`'s links (after its keys were erased)."""


class MasterKeyError(ValueError):
    """A master key that is missing, malformed, or not the one the keys were wrapped with."""


class Wrapper:
    """Wraps and unwraps stored keys under the master key."""

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise MasterKeyError("the master key must be 32 bytes")
        self._aead = AESGCM(master)

    def wrap(self, key_id: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, key, b"audiensi-key|" + key_id.encode())

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:12], wrapped[12:],
                                      b"audiensi-key|" + key_id.encode())
        except InvalidTag as exc:
            raise MasterKeyError(f"key {key_id} was not wrapped with this master key") from exc


def master_key(settings) -> bytes:
    """The master key of these settings (see the module docstring)."""
    if settings.master_key:
        try:
            raw = base64.b64decode(settings.master_key.strip(), validate=True)
        except binascii.Error as exc:
            raise MasterKeyError("AUDIENSI_MASTER_KEY must be base64 of 32 bytes") from exc
        if len(raw) != KEY_BYTES:
            raise MasterKeyError("AUDIENSI_MASTER_KEY must be base64 of 32 bytes")
        return raw
    if settings.production:
        raise MasterKeyError("AUDIENSI_ENV=production needs AUDIENSI_MASTER_KEY")
    path = Path(settings.data_dir) / "master.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(base64.b64encode(os.urandom(KEY_BYTES)))
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # the first process wins; the others read its key
        tmp.unlink()
    return base64.b64decode(path.read_bytes())


class RedisKeyStore:
    """Wrapped keys in one Redis hash (HSETNX makes concurrent creation converge). The client
    is made on first use: nothing connects when the store is built."""

    def __init__(self, url: str, wrapper: Wrapper) -> None:
        self.url, self.wrapper = url, wrapper
        self._client = None

    def _redis(self):
        if self._client is None:
            from .redis import make_sync_redis

            self._client = make_sync_redis(self.url, socket_timeout=5)
        return self._client

    def _write(self, key: str, *command) -> int:
        """A write that must outlive a Redis Cluster failover (a new key: data sealed under
        it goes to Kafka; an erasure: it must not come back): on a cluster it returns once a
        replica has it too (chassis.redis.write_replicated)."""
        from .redis import write_replicated

        reply, _ = write_replicated(self._redis(), key, *command)  # 0 acks: logged there
        return int(reply)

    def get_or_create(self, key_id: str) -> bytes:
        self._write(REDIS_HASH, "HSETNX", REDIS_HASH, key_id,
                    self.wrapper.wrap(key_id, os.urandom(KEY_BYTES)))
        key = self.get(key_id)
        assert key is not None
        return key

    def get(self, key_id: str) -> bytes | None:
        wrapped = self._redis().hget(REDIS_HASH, key_id)
        return None if wrapped is None else self.wrapper.unwrap(key_id, wrapped)

    def delete(self, key_id: str) -> bool:
        return self._write(REDIS_HASH, "HDEL", REDIS_HASH, key_id) > 0

    def get_many(self, key_ids: list[str]) -> dict[str, bytes | None]:
        if not key_ids:
            return {}
        wrapped = self._redis().hmget(REDIS_HASH, key_ids)
        return {k: None if w is None else self.wrapper.unwrap(k, w)
                for k, w in zip(key_ids, wrapped, strict=True)}

    def link(self, anchor: str, key_id: str) -> None:
        self._write(REDIS_LINKS + anchor, "SADD", REDIS_LINKS + anchor, key_id)

    def linked(self, anchor: str) -> set[str]:
        return {m.decode() for m in self._redis().smembers(REDIS_LINKS + anchor)}

    def unlink(self, anchor: str) -> None:
        self._write(REDIS_LINKS + anchor, "DEL", REDIS_LINKS + anchor)


class SqliteKeyStore:
    """Wrapped keys in a local SQLite file. Safe across threads and processes of one host
    (one short transaction per call; `INSERT OR IGNORE` makes concurrent creation converge)."""

    def __init__(self, path: Path, wrapper: Wrapper, clock: Clock | None = None) -> None:
        self.path, self.wrapper = Path(path), wrapper
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
                conn.execute("CREATE TABLE IF NOT EXISTS links (anchor TEXT NOT NULL, "
                             "key_id TEXT NOT NULL, PRIMARY KEY (anchor, key_id))")
                self._ready = True
        return conn

    def get_or_create(self, key_id: str) -> bytes:
        conn = self._connect()
        try:
            conn.execute("INSERT OR IGNORE INTO keys (id, material, created_at) VALUES (?, ?, ?)",
                         (key_id, self.wrapper.wrap(key_id, os.urandom(KEY_BYTES)),
                          self.clock.now().isoformat()))
            row = conn.execute("SELECT material FROM keys WHERE id = ?", (key_id,)).fetchone()
        finally:
            conn.close()
        return self.wrapper.unwrap(key_id, bytes(row[0]))

    def get(self, key_id: str) -> bytes | None:
        conn = self._connect()
        try:
            row = conn.execute("SELECT material FROM keys WHERE id = ?", (key_id,)).fetchone()
        finally:
            conn.close()
        return self.wrapper.unwrap(key_id, bytes(row[0])) if row else None

    def delete(self, key_id: str) -> bool:
        conn = self._connect()
        try:
            return conn.execute("DELETE FROM keys WHERE id = ?", (key_id,)).rowcount > 0
        finally:
            conn.close()

    def get_many(self, key_ids: list[str]) -> dict[str, bytes | None]:
        return {k: self.get(k) for k in key_ids}

    def link(self, anchor: str, key_id: str) -> None:
        conn = self._connect()
        try:
            conn.execute("INSERT OR IGNORE INTO links (anchor, key_id) VALUES (?, ?)",
                         (anchor, key_id))
        finally:
            conn.close()

    def linked(self, anchor: str) -> set[str]:
        conn = self._connect()
        try:
            rows = conn.execute("SELECT key_id FROM links WHERE anchor = ?", (anchor,))
            return {r[0] for r in rows.fetchall()}
        finally:
            conn.close()

    def unlink(self, anchor: str) -> None:
        conn = self._connect()
        try:
            conn.execute("DELETE FROM links WHERE anchor = ?", (anchor,))
        finally:
            conn.close()


class MemoryKeyStore:
    """A key store in a dict: for tests only (refused unless AUDIENSI_ENV=test)."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.links: dict[str, set[str]] = {}

    def get_or_create(self, key_id: str) -> bytes:
        return self.keys.setdefault(key_id, os.urandom(KEY_BYTES))

    def get(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)

    def delete(self, key_id: str) -> bool:
        return self.keys.pop(key_id, None) is not None

    def get_many(self, key_ids: list[str]) -> dict[str, bytes | None]:
        return {k: self.keys.get(k) for k in key_ids}

    def link(self, anchor: str, key_id: str) -> None:
        self.links.setdefault(anchor, set()).add(key_id)

    def linked(self, anchor: str) -> set[str]:
        return set(self.links.get(anchor, ()))

    def unlink(self, anchor: str) -> None:
        self.links.pop(anchor, None)


class KeyedHash:
    """HMAC-SHA256 under one named key of the store (made on first use, then kept): the
    identity refs, the blind search terms and the citizens' status codes."""

    def __init__(self, store: KeyStore, key_id: str) -> None:
        self.store, self.key_id = store, key_id
        self._key: bytes | None = None

    def digest(self, text: str) -> bytes:
        if self._key is None:
            self._key = self.store.get_or_create(self.key_id)
        return hmac.new(self._key, text.encode(), hashlib.sha256).digest()


def open_keystore(settings, clock: Clock | None = None) -> KeyStore:
    """The store `settings.keystore_url` names (default: the service's Redis)."""
    from .redis import signed_url

    url = signed_url(settings.keystore_url or settings.redis_url, settings)
    if url == "memory://":
        if settings.env.strip().lower() != "test":
            raise ValueError("memory:// key store only with AUDIENSI_ENV=test: its keys die "
                             "with the process, and with them every sealed identity")
        return MemoryKeyStore()
    wrapper = Wrapper(master_key(settings))
    if url.startswith(("redis://", "rediss://", "unix://", "redis+cluster://",
                       "rediss+cluster://")):
        return RedisKeyStore(url, wrapper)
    if url.startswith("sqlite:///"):
        return SqliteKeyStore(Path(url.removeprefix("sqlite:///")), wrapper, clock)
    raise ValueError("unsupported key store URL (use redis://…, redis+cluster://…, "
                     "sqlite:///path or memory://)")
