"""Commands on a command topic carry the HTTP side's seal, so an agent applies only commands
that one of its service's own processes vouched for (the actor inside was taken from a token
that was verified there). Anyone else who gets to write the topic (a leaked credential, a
misconfigured ACL) cannot make a command an agent accepts.

Wire format of a command record's value: ``acmd1.<hex HMAC-SHA256 of the JSON>.<JSON>``. The
key is `AUDIENSI_COMMAND_KEY` (each service may have its own: a command topic is written and
read by the same service); production refuses to start without one of 32 bytes or more.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = b"acmd1."
DEV_COMMAND_KEY = "audiensi-dev-command-key-change-me-in-production"
MIN_KEY_BYTES = 32


class ForgedCommand(ValueError):
    """A record on a command topic without a valid seal."""


def command_key(settings=None) -> bytes:
    if settings is None:
        from .settings import get_settings

        settings = get_settings()
    return (settings.command_key or DEV_COMMAND_KEY).encode()


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode()


def seal(body: bytes, key: bytes) -> bytes:
    return PREFIX + _mac(key, body) + b"." + body


def unseal(raw: bytes, key: bytes) -> bytes:
    """The JSON inside a sealed record, or ForgedCommand."""
    if not raw.startswith(PREFIX):
        raise ForgedCommand("command without a seal")
    mac, sep, body = raw[len(PREFIX):].partition(b".")
    if not sep or not hmac.compare_digest(mac, _mac(key, body)):
        raise ForgedCommand("command with a wrong seal")
    return body
