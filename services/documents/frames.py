"""Chunked AES-256-GCM for documents: a stream is sealed frame by frame, so neither side ever
holds more than a frame.

An object is the concatenation of frames. Frame *i* is `nonce (12) || AES-GCM(key, nonce,
plaintext_i, aad_i)` (ciphertext + 16-byte tag), with `aad_i = "audiensi-document|" +
document id + "|" + i + "|" + final` (`final` is 1 for the last frame, 0 for the others).
Every frame but the last holds exactly `FRAME` plaintext bytes; the last holds 0 to `FRAME`.
So a frame cannot be moved to another document or position, dropped, repeated, or the
stream cut short (the last frame read must say final), and the key is the case's data key
(`contracts.sealed.case_key`): erasing it makes every document of the case unreadable.
Pure (no I/O).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FRAME = 64 * 1024  # plaintext bytes per frame
NONCE, TAG = 12, 16
SEALED_FRAME = NONCE + FRAME + TAG


class FrameError(ValueError):
    """A frame that does not open: wrong key, tampered, reordered or truncated."""


def _aad(document_id: str, index: int, final: bool) -> bytes:
    return f"audiensi-document|{document_id}|{index}|{int(final)}".encode()


def sealed_size(size: int) -> int:
    """The object's size for a plaintext of `size` bytes."""
    frames = max(1, -(-size // FRAME))
    return size + frames * (NONCE + TAG)


class FrameSealer:
    """Feed plaintext in pieces of any size; get sealed bytes back as frames fill."""

    def __init__(self, key: bytes, document_id: str) -> None:
        self._aead = AESGCM(key)
        self._doc = document_id
        self._index = 0
        self._pending = bytearray()

    def _frame(self, plain: bytes, final: bool) -> bytes:
        nonce = os.urandom(NONCE)
        sealed = self._aead.encrypt(nonce, plain, _aad(self._doc, self._index, final))
        self._index += 1
        return nonce + sealed

    def update(self, data: bytes) -> bytes:
        """Sealed frames for every full frame past the last byte held back (the final frame
        is only known at `finish`)."""
        self._pending += data
        out = bytearray()
        while len(self._pending) > FRAME:
            out += self._frame(bytes(self._pending[:FRAME]), final=False)
            del self._pending[:FRAME]
        return bytes(out)

    def finish(self) -> bytes:
        """The last frame (the one marked final; empty plaintext for an empty stream)."""
        last = self._frame(bytes(self._pending), final=True)
        self._pending.clear()
        return last


def open_frame(aead: AESGCM, document_id: str, index: int, frame: bytes, final: bool) -> bytes:
    if len(frame) < NONCE + TAG:
        raise FrameError(f"frame {index} is too short")
    try:
        return aead.decrypt(frame[:NONCE], frame[NONCE:], _aad(document_id, index, final))
    except InvalidTag as exc:
        raise FrameError(f"frame {index} does not open") from exc


async def open_stream(key: bytes, document_id: str,
                      sealed: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """The plaintext of a sealed stream, frame by frame (`FrameError` where it does not
    open). One sealed frame is held back until the next begins, to know which is final."""
    aead = AESGCM(key)
    buffer = bytearray()
    index = 0
    async for chunk in sealed:
        buffer += chunk
        while len(buffer) > SEALED_FRAME:  # more follows: this one is not the last
            yield open_frame(aead, document_id, index, bytes(buffer[:SEALED_FRAME]), False)
            del buffer[:SEALED_FRAME]
            index += 1
    yield open_frame(aead, document_id, index, bytes(buffer), True)
