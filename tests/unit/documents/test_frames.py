"""Chunked AES-GCM (services/documents/frames.py): round trips at every boundary, and every
way of tampering with a stream is caught."""

from __future__ import annotations

import os

import pytest

from services.documents.frames import (
    FRAME,
    SEALED_FRAME,
    FrameError,
    FrameSealer,
    open_stream,
    sealed_size,
)

KEY = os.urandom(32)


def seal(data: bytes, piece: int = 10_000, key: bytes = KEY, doc: str = "d-1") -> bytes:
    sealer = FrameSealer(key, doc)
    out = bytearray()
    for i in range(0, len(data), piece):
        out += sealer.update(data[i:i + piece])
    return bytes(out + sealer.finish())


async def opened(sealed: bytes, key: bytes = KEY, doc: str = "d-1", piece: int = 7777) -> bytes:
    async def chunks():
        for i in range(0, len(sealed), piece):
            yield sealed[i:i + piece]
        if not sealed:
            yield b""

    return b"".join([p async for p in open_stream(key, doc, chunks())])


@pytest.mark.parametrize("size", [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME, 3 * FRAME + 5])
async def test_round_trip(size):
    data = os.urandom(size)
    sealed = seal(data)
    assert len(sealed) == sealed_size(size)
    assert await opened(sealed) == data


async def test_the_ciphertext_does_not_hold_the_plaintext():
    data = b"%PDF-1.7 " + b"Budi Santoso, NIK 1971015708900001 " * 5000
    sealed = seal(data)
    assert b"Budi" not in sealed and b"%PDF" not in sealed


async def test_another_key_does_not_open():
    with pytest.raises(FrameError):
        await opened(seal(os.urandom(100)), key=os.urandom(32))


async def test_a_stream_moved_to_another_document_does_not_open():
    with pytest.raises(FrameError):
        await opened(seal(os.urandom(100), doc="d-1"), doc="d-2")


async def test_a_truncated_stream_does_not_open():
    sealed = seal(os.urandom(3 * FRAME + 10))
    with pytest.raises(FrameError):
        await opened(sealed[:2 * SEALED_FRAME])  # cut at a frame boundary: no final frame


async def test_reordered_frames_do_not_open():
    sealed = seal(os.urandom(3 * FRAME + 10))
    swapped = sealed[SEALED_FRAME:2 * SEALED_FRAME] + sealed[:SEALED_FRAME] + \
        sealed[2 * SEALED_FRAME:]
    with pytest.raises(FrameError):
        await opened(swapped)


async def test_a_flipped_bit_does_not_open():
    sealed = bytearray(seal(os.urandom(1000)))
    sealed[40] ^= 1
    with pytest.raises(FrameError):
        await opened(bytes(sealed))
