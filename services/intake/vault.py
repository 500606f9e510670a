"""Personal data at rest: identity numbers are never stored or sent in clear.

An identity becomes `contracts.intake.Identity`:
- `masked`: what staff may see (see `identity.mask`), itself sealed;
- `ref`: HMAC-SHA256 of `KIND:number` under a secret key, to look a person up and
  de-duplicate without the number;
- `sealed`: the number sealed (`chassis.sealing`) under the data key of the *record* it
  belongs to (`key_id`: `visit:<id>`, `case:<id>` or `complaint:<id>`), the same key as the
  record's other personal fields.

The person is the anchor of their records' keys in the key store (`link`): erasing a person
(`forget_identity`) deletes the key of every record they gave their identity to, so every
copy of their name, phone, purpose and number in every topic, table and backup is
unreadable (crypto-shredding, UU 27/2022 erasure); erasing one record deletes just its key.

Keys never go to Kafka: they live in a `chassis.keystore.KeyStore` (by default the service's
Redis, shared by every worker, each key wrapped under the master key); another store (a KMS,
Vault) only has to implement the protocol.

The HMAC key is versioned (`AUDIENSI_HMAC_KEY_VERSION`): new references are made with the
current version; a person is still found, and erased, under every earlier one. Version 1's
references keep their old form `hmac-sha256:<hex>`; later ones read `hmac-sha256:v<n>:<hex>`.
"""

from __future__ import annotations

import hashlib
from datetime import date

from chassis.keystore import KeyedHash, KeyStore
from chassis.sealing import Sealer
from contracts.intake import Identity

from .identity import mask, normalize

REF_PREFIX = "hmac-sha256:"


def hmac_key_id(version: int) -> str:
    return f"hmac-v{version}"


class IdentityErased(Exception):
    """The record's data key was deleted: the sealed number can no longer be read."""


class IdentityVault:
    def __init__(self, store: KeyStore, hmac_version: int = 1,
                 sealer: Sealer | None = None) -> None:
        if hmac_version < 1:
            raise ValueError("the HMAC key version starts at 1")
        self.store = store
        self.sealer = sealer or Sealer(store)
        self.hmac_version = hmac_version
        self._hashes: dict[int, KeyedHash] = {}

    def _hmac(self, version: int) -> KeyedHash:
        if version not in self._hashes:
            self._hashes[version] = KeyedHash(self.store, hmac_key_id(version))
        return self._hashes[version]

    def ref(self, kind: str, number: str, version: int | None = None) -> str:
        """The reference of an identity under the current HMAC key (or `version`'s)."""
        version = version or self.hmac_version
        digest = self._hmac(version).digest(f"{kind}:{normalize(number)}").hex()
        return REF_PREFIX + (digest if version == 1 else f"v{version}:{digest}")

    def refs(self, kind: str, number: str) -> list[str]:
        """The identity's reference under every HMAC key version so far, newest first."""
        return [self.ref(kind, number, v) for v in range(self.hmac_version, 0, -1)]

    @staticmethod
    def anchor_of(ref: str) -> str:
        """The person's anchor in the key store (their records' keys are linked to it)."""
        return "person:" + hashlib.sha256(ref.encode()).hexdigest()[:32]

    def protect(self, kind: str, number: str, valid_until: date | None = None, *,
                record_key: str) -> Identity:
        """Masked, referenced and sealed under `record_key`: the only form an identity
        leaves the front desk in. The record is linked to the person for erasure."""
        clear = normalize(number)
        ref = self.ref(kind, clear)
        self.store.link(self.anchor_of(ref), record_key)
        return Identity(kind=kind, masked=self.sealer.seal(record_key, mask(kind, clear)),
                        ref=ref, sealed=self.sealer.seal(record_key, clear),
                        key_id=record_key, valid_until=valid_until)

    def reveal(self, identity: Identity) -> str:
        clear = self.sealer.open(identity.sealed)
        if clear is None:
            raise IdentityErased(identity.key_id)
        return clear

    def link_records(self, record_key: str, derived_key: str) -> None:
        """`derived_key`'s record carries personal data of `record_key`'s person (a walk-in
        case made from a guest-book visit): erasing the person reaches it too."""
        self.store.link(record_key, derived_key)

    def records_of(self, kind: str, number: str) -> set[str]:
        """The keys of every record this identity was given to (under every HMAC version),
        and of the records made from them (one step: visit -> its walk-in cases)."""
        direct = set().union(*(self.store.linked(self.anchor_of(r))
                               for r in self.refs(kind, number)))
        return direct.union(*(self.store.linked(r) for r in direct))

    def forget_identity(self, kind: str, number: str) -> list[str]:
        """Erase a person: delete the key of every record of theirs; the record keys that
        were erased (sorted)."""
        records = self.records_of(kind, number)
        erased = self.sealer.erase(records)
        for r in self.refs(kind, number):
            self.store.unlink(self.anchor_of(r))
        for r in records:
            self.store.unlink(r)
        return sorted(set(erased) | records)
