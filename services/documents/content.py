"""What a file is, from its bytes, and what it may be called. Pure.

The content type is read from the first bytes only (the name and the client's
Content-Type say nothing): PDF, JPEG and PNG are accepted, anything else is not.
"""

from __future__ import annotations

import re
import unicodedata

#: (signature, content type); the longest signature is `SNIFF_BYTES` long
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
SNIFF_BYTES = max(len(sig) for sig, _ in SIGNATURES)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
FILENAME_MOST = 200  # characters (contracts.documents.FILENAME_PATTERN)

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def sniff(head: bytes) -> str | None:
    """The content type these first bytes begin, or None (not a PDF, JPEG or PNG)."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def sanitise_filename(raw: str | None, content_type: str) -> str:
    """A file's base name fit to show and to put in a Content-Disposition: no directory
    (either slash), no control or bidirectional characters, no leading dots, at most
    `FILENAME_MOST` characters with its extension kept; `dokumen.<ext>` when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name)
    name = _SPACES.sub(" ", name).strip().lstrip(".").strip()
    if not name:
        return "dokumen" + EXTENSIONS[content_type]
    if len(name) > FILENAME_MOST:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: FILENAME_MOST - len(ext) - 1] + "." + ext
        else:
            name = name[:FILENAME_MOST]
    return name
