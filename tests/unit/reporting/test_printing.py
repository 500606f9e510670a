"""The printable documents (services/reporting/printing.py): rendered to real PDFs with
WeasyPrint and read back with pypdf, every field checked."""

from __future__ import annotations

import io
import re

import pypdf

from chassis.settings import ROOT
from services.reporting.casefile import build
from services.reporting.printing import (
    disposition_sheet_html,
    load_letterhead,
    receipt_html,
    render,
    report_html,
)

from .memory import MemoryModel
from .test_queues_and_file import SEALER, full_case

HEAD = load_letterhead(ROOT / "config" / "letterhead.yaml")
PEOPLE = {"kadis": "Kepala Dinas", "petugas-rehsos-2": "Petugas Rehsos 2",
          "kabid-rehsos": "Kepala Bidang Rehabilitasi Sosial"}
DIVISIONS = {"rehsos": "Bidang Rehabilitasi Sosial", "pmd": "Bidang Pemberdayaan Masyarakat Desa"}


def names(uid):
    return PEOPLE.get(uid, uid or "-")


def divisions(did):
    return DIVISIONS.get(did, did or "-")


def case_file() -> dict:
    m = MemoryModel()
    m.apply(full_case())
    return SEALER.open_tree(build(m.docs["c9"]))


def text_of(page: str) -> str:
    pdf = render(page)
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_the_receipt():
    page = receipt_html(case_file(), HEAD, names, code="K7Q2MX")
    text = text_of(page)
    for expected in ("TANDA TERIMA PERMOHONAN AUDIENSI", HEAD.office, "AUD/2026/000909",
                     "Siti Aminah", "LSM Peduli", "Panti asuhan", "Surat", "K7Q2MX",
                     "2 Maret 2026 08.31 WIB"):  # registered 01:31 UTC
        assert expected in text, expected
    address = "https://audiensi.dinsospmd.babelprov.go.id/public/status?reference=AUD%2F2026%2F000909"
    assert address in text.replace(" ", "")  # (wrapped on the page)
    assert "<svg" in page and "Pindai untuk cek status" in text  # the QR code of it


def test_the_receipt_without_a_code_prints_none():
    text = text_of(receipt_html(case_file(), HEAD, names))
    assert "Kode status" not in text


def test_the_disposition_sheet():
    text = text_of(disposition_sheet_html(case_file(), HEAD, names, divisions))
    for expected in ("LEMBAR DISPOSISI", "No. Agenda", "AUD/2026/000909", "Tanggal terima",
                     "Asal surat", "LSM Peduli", "045/LSM/2026", "1 Maret 2026", "Perihal",
                     "Panti asuhan", "Sifat", "Segera", "Diteruskan kepada",
                     "Bidang Rehabilitasi Sosial", "Tembusan: Bidang Pemberdayaan Masyarakat Desa",
                     "Isi disposisi", "tindaklanjuti", "Kepala Dinas"):
        assert expected in text, expected


def test_the_result_report():
    f = case_file()
    text = text_of(report_html(f, HEAD, names, divisions))
    for expected in ("LAPORAN HASIL AUDIENSI", "AUD/2026/000909", "ringkasan", "saran",
                     "masukan", "pertimbangan", "solusi", "r1", "r2", "Petugas Rehsos 2",
                     "Diteruskan oleh", "Kepala Bidang Rehabilitasi Sosial", "Ditutup oleh",
                     "Kepala Dinas"):
        assert expected in text, expected
    for person in f["audience"]["attendees"] + f["audience"]["accompanied_by"]:
        assert person in text, person


def test_values_are_escaped_not_markup():
    f = case_file()
    f["request"]["subject"] = "<script>alert(1)</script>"
    page = receipt_html(f, HEAD, names)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_case_that_has_just_begun_prints_all_three_with_blanks():
    from services.reporting import scenarios as sc

    m = MemoryModel()
    m.apply(sc.walk_in_case("w-new", until="requested", n=77))
    f = build(m.docs["w-new"])
    receipt = text_of(receipt_html(f, HEAD, names))
    assert "Nomor Referensi Perkara" in receipt and "w-new" in receipt  # no agenda number
    assert "LEMBAR DISPOSISI" in text_of(disposition_sheet_html(f, HEAD, names, divisions))
    assert "LAPORAN HASIL AUDIENSI" in text_of(report_html(f, HEAD, names, divisions))
