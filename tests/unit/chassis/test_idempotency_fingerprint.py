"""The fingerprint kept beside an Idempotency-Key (chassis.idempotency.body_hash): an HMAC
under a key derived from the service's command key, not a plain hash of the body."""

from __future__ import annotations

import hashlib
import json

from chassis.idempotency import body_hash, fingerprint_key


def test_the_fingerprint_depends_on_the_key_and_the_body_but_not_on_key_order():
    one, two = fingerprint_key(b"service-one-key"), fingerprint_key(b"service-two-key")
    body = {"name": "Siti", "date": "2026-12-04"}
    assert body_hash(body, one) == body_hash(dict(reversed(body.items())), one)
    assert body_hash(body, one) != body_hash(body, two)
    assert body_hash(body, one) != body_hash({**body, "date": "2026-12-05"}, one)
    plain = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    assert plain not in body_hash(body, one) and body_hash(body, one).startswith("h1:")
