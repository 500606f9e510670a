"""Personal data at rest: identity numbers are never stored or sent in clear.

An identity becomes `contracts.intake.Identity`:
- `masked`: what may be shown (see `identity.mask`);
- `ref`: HMAC-SHA256 of `KIND:number` under a secret key, to look a person up and
  de-duplicate without the number;
- `sealed`: the number encrypted with AES-256-GCM under the person's own data key
  (`key_id`, one per `ref`): deleting that key (`forget`) makes every copy of the number in
  every topic, table and backup unreadable (crypto-shredding, UU 27/2022 erasure).

Keys never go to Kafka: they live in a `chassis.keystore.KeyStore` (by default the service's
Redis, shared by every worker, each key wrapped under the master key); another store (a KMS,
Vault) only has to implement the protocol.

The HMAC key is versioned (`AUDIENSI_HMAC_KEY_VERSION`): new references are made with the
current version; a person is still found, and erased, under every earlier one. Version 1's
references keep their old form `hmac-sha256:<hex>`; later ones read `hmac-sha256:v<n>:<hex>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chassis.keystore import KeyStore
from contracts.intake import Identity

from .identity import mask, normalize

REF_PREFIX = "hmac-sha256:"


def hmac_key_id(version: int) -> str:
    return f"hmac-v{version}"


class IdentityErased(Exception):
    """The person's data key was deleted: the sealed number can no longer be read."""


class IdentityVault:
    def __init__(self, store: KeyStore, hmac_version: int = 1) -> None:
        if hmac_version < 1:
            raise ValueError("the HMAC key version starts at 1")
        self.store = store
        self.hmac_version = hmac_version
        self._hmac_keys: dict[int, bytes] = {}

    def _hmac(self, version: int) -> bytes:
        if version not in self._hmac_keys:
            self._hmac_keys[version] = self.store.get_or_create(hmac_key_id(version))
        return self._hmac_keys[version]

    def ref(self, kind: str, number: str, version: int | None = None) -> str:
        """The reference of an identity under the current HMAC key (or `version`'s)."""
        version = version or self.hmac_version
        digest = hmac.new(self._hmac(version), f"{kind}:{normalize(number)}".encode(),
                          hashlib.sha256).hexdigest()
        return REF_PREFIX + (digest if version == 1 else f"v{version}:{digest}")

    def refs(self, kind: str, number: str) -> list[str]:
        """The identity's reference under every HMAC key version so far, newest first."""
        return [self.ref(kind, number, v) for v in range(self.hmac_version, 0, -1)]

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

    def forget_identity(self, kind: str, number: str) -> bool:
        """Erase a person under every HMAC key version. True if any key was deleted."""
        return any([self.forget(ref) for ref in self.refs(kind, number)])


def _aad(kind: str, key_id: str) -> bytes:
    return f"audiensi-identity|{kind}|{key_id}".encode()
