"""What a file is from its bytes, and what it may be called (services/documents/content.py)."""

from __future__ import annotations

import pytest

from services.documents.content import FILENAME_MOST, sanitise_filename, sniff


@pytest.mark.parametrize(("head", "kind"), [
    (b"%PDF-1.4\n...", "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"MZ\x90\x00", None),  # a Windows executable
    (b"\x7fELF\x02\x01", None),
    (b"<html><script>", None),
    (b"PK\x03\x04", None),  # zip, docx
    (b"%PDF", None),  # too short to be sure
    (b"", None),
])
def test_sniff(head, kind):
    assert sniff(head) == kind


@pytest.mark.parametrize(("raw", "clean"), [
    ("surat.pdf", "surat.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\budi\\surat.pdf", "surat.pdf"),
    ("surat\x00\x1f\x7f.pdf", "surat.pdf"),
    ("gpj.\u202eexe.pdf", "gpj.exe.pdf"),
    ("   .hidden.pdf  ", "hidden.pdf"),
    ("a \t\n b.pdf", "a b.pdf"),
    ("", "dokumen.pdf"),
    (None, "dokumen.pdf"),
    ("../", "dokumen.pdf"),
])
def test_sanitise_filename(raw, clean):
    assert sanitise_filename(raw, "application/pdf") == clean


def test_a_long_filename_keeps_its_extension():
    name = sanitise_filename("x" * 500 + ".jpeg", "image/jpeg")
    assert len(name) == FILENAME_MOST and name.endswith(".jpeg")
