"""The code a citizen looks their request or complaint up with (printed on the receipt).

Eight Crockford base-32 characters (no I, L, O, U: nothing to misread on paper), 40 bits,
drawn from a keyed HMAC of the command that created the record: the same for a redelivered
or replayed command, so the answer to an `Idempotency-Key` replay shows the same code, and
nobody without the key can derive one. Only a keyed digest of the code is kept (on the
event, then in the read model); the code itself is shown once and stored nowhere.

Both keys derive from one key of the shared key store (`status-code-v1`): intake issues
codes, reporting checks them. A lookup compares digests in constant time.
"""

from __future__ import annotations

import hmac

from .keystore import KeyedHash, KeyStore

KEY_ID = "status-code-v1"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
#: what a person may type for a Crockford character (and the separators they may add)
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans("", "", " -")


def normalize(code: str) -> str | None:
    """The canonical form of a typed code (case, separators and look-alikes forgiven), or
    None when it cannot be one."""
    text = code.upper().translate(_SEPARATORS).translate(_READ_AS)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


class StatusCodes:
    def __init__(self, store: KeyStore) -> None:
        self._hash = KeyedHash(store, KEY_ID)

    def _mac(self, purpose: str, text: str) -> bytes:
        return self._hash.digest(f"{purpose}:{text}")

    def issue(self, command_id: str) -> str:
        """The code of the record the command creates."""
        n = int.from_bytes(self._mac("code", command_id)[:5], "big")
        return "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(LENGTH))

    def digest(self, code: str) -> str | None:
        """What is kept of a code (None: not a code)."""
        canonical = normalize(code)
        return None if canonical is None else self._mac("digest", canonical).hex()

    def matches(self, code: str, digest: str | None) -> bool:
        mine = self.digest(code)
        return bool(digest) and mine is not None and hmac.compare_digest(mine, digest)
