"""Sealing personal values under their record's data key (see `contracts.sealed`).

`Sealer` is the one place that makes and opens tokens. It is synchronous (the key store is);
HTTP handlers call it through `asyncio.to_thread`. Opened keys are cached for `ttl`
seconds, so an erasure (the key deleted from the shared store) is in force in every process
within `ttl` (30 s by default: the security issue asks for one minute). A token whose key is
gone opens to None: the reader shows that the value was erased.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.sealed import PREFIX, is_sealed, key_id_of

from .keystore import KeyStore

#: how long an opened data key is trusted before the store is asked again
TTL = 30.0


def _aad(key_id: str) -> bytes:
    return b"audiensi-sealed|" + key_id.encode()


class Sealer:
    def __init__(self, store: KeyStore, ttl: float = TTL,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store, self.ttl, self._now = store, ttl, monotonic
        self._keys: dict[str, tuple[float, bytes | None]] = {}

    # -- sealing ------------------------------------------------------------------------
    def seal(self, key_id: str, text: str | None) -> str | None:
        """`text` sealed under `key_id` (made if new); None stays None."""
        return self.seal_many(key_id, {"": text})[""]

    def seal_many(self, key_id: str, texts: dict[str, str | None]) -> dict[str, str | None]:
        """Each of `texts` sealed under `key_id`, the key asked of the store once (made if
        new); None stays None (and needs no key)."""
        if all(text is None for text in texts.values()):
            return dict(texts)
        key = self.store.get_or_create(key_id)
        self._keys[key_id] = (self._now(), key)
        aead, aad = AESGCM(key), _aad(key_id)

        def token(text: str) -> str:
            nonce = os.urandom(12)
            raw = nonce + aead.encrypt(nonce, text.encode("utf-8"), aad)
            return f"{PREFIX}{key_id}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"

        return {name: None if text is None else token(text) for name, text in texts.items()}

    # -- opening ------------------------------------------------------------------------
    def _load(self, key_ids: Iterable[str]) -> None:
        now = self._now()
        stale = sorted({k for k in key_ids
                        if k not in self._keys or now - self._keys[k][0] > self.ttl})
        if stale:
            for k, key in self.store.get_many(stale).items():
                self._keys[k] = (now, key)

    def _open_one(self, token: str) -> str | None:
        key_id = key_id_of(token)
        key = self._keys[key_id][1]
        if key is None:
            return None
        body = token.split(".", 2)[2]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(key_id)).decode("utf-8")
        except (InvalidTag, ValueError):
            return None

    def open(self, token: str | None) -> str | None:
        """The value of a token (None when its key was erased); a non-token is returned as
        it is (None, or a value that was never personal)."""
        if not is_sealed(token):
            return token
        self._load([key_id_of(token)])
        return self._open_one(token)

    def open_tree(self, value: Any) -> Any:
        """A JSON-like structure with every token in it opened (one key-store round trip
        for all the keys it names)."""
        tokens = list(tokens_in(value))
        if not tokens:
            return value
        self._load(key_id_of(t) for t in tokens)
        return _replace(value, self._open_one)

    # -- erasing ------------------------------------------------------------------------
    def erase(self, key_ids: Iterable[str]) -> list[str]:
        """Delete these keys; the ids that existed."""
        gone = [k for k in sorted(set(key_ids)) if self.store.delete(k)]
        for k in key_ids:
            self._keys[k] = (self._now(), None)
        return gone


def tokens_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if is_sealed(value):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from tokens_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from tokens_in(v)


def key_ids_in(value: Any) -> set[str]:
    return {key_id_of(t) for t in tokens_in(value)}


def _replace(value: Any, open_one: Callable[[str], str | None]) -> Any:
    if isinstance(value, str):
        return open_one(value) if is_sealed(value) else value
    if isinstance(value, dict):
        return {k: _replace(v, open_one) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(v, open_one) for v in value]
    return value
