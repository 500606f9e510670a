"""Printable documents of a case, from its (opened) case file: the receipt (*tanda terima*),
the disposition sheet (*lembar disposisi*) and the result report (*Laporan Hasil Audiensi*).

`receipt_html`, `disposition_sheet_html` and `report_html` are pure (case file dict, the
letterhead, names of people and divisions -> HTML, every value escaped); `render` turns HTML
into an A4 PDF with WeasyPrint (CPU-bound: call it in a thread). The letterhead and the
public look-up address are data (`config/letterhead.yaml`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
PRIORITY = {"biasa": "Biasa", "segera": "Segera", "sangat_segera": "Sangat Segera"}
CHANNEL = {"letter": "Surat", "walk_in": "Datang langsung"}

CSS = """
@page { size: A4; margin: 18mm 18mm 20mm 18mm; }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10.5pt; color: #000; }
.kop { text-align: center; border-bottom: 3px double #000; padding-bottom: 6px; }
.kop .gov { font-size: 12pt; font-weight: bold; }
.kop .office { font-size: 14pt; font-weight: bold; }
.kop .addr { font-size: 9pt; }
h1 { text-align: center; font-size: 13pt; margin: 14px 0 10px; text-decoration: underline; }
table.fields { width: 100%; border-collapse: collapse; }
table.fields td { border: 1px solid #000; padding: 5px 7px; vertical-align: top; }
table.fields td.k { width: 34%; font-weight: bold; }
.qr { float: right; width: 34mm; margin: 0 0 6px 10px; text-align: center; font-size: 8pt; }
.qr svg { width: 34mm; height: 34mm; }
.sign { margin-top: 28px; width: 45%; margin-left: 55%; text-align: center; }
ul { margin: 0; padding-left: 16px; }
.note { font-size: 9pt; margin-top: 10px; }
"""


@dataclass(frozen=True)
class Letterhead:
    government: str
    office: str
    address: str
    contact: str
    city: str
    timezone: str
    lookup_url: str


@lru_cache
def load_letterhead(path: Path) -> Letterhead:
    return Letterhead(**yaml.safe_load(Path(path).read_text(encoding="utf-8")))


Names = Callable[[str | None], str]


def e(value: Any) -> str:
    """A value for the page: escaped, '-' when missing."""
    if value is None or value == "" or value == []:
        return "-"
    return html.escape(str(value))


def when(value: str | None, tz: str, with_time: bool = True) -> str:
    """'2 Maret 2026 09.00 WIB' from an RFC 3339 instant."""
    if not value:
        return "-"
    t = datetime.fromisoformat(value).astimezone(ZoneInfo(tz))
    day = f"{t.day} {MONTHS[t.month - 1]} {t.year}"
    return f"{day} {t:%H.%M} WIB" if with_time else day


def day_of(value: str | None) -> str:
    """'1 Maret 2026' from an ISO date."""
    if not value:
        return "-"
    d = datetime.fromisoformat(value)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def reference(f: dict[str, Any]) -> str:
    """The agenda number, or the case reference of an urgent walk-in (never registered)."""
    return f.get("agenda_number") or f["case_id"]


def lookup_address(head: Letterhead, f: dict[str, Any]) -> str:
    from urllib.parse import quote

    return head.lookup_url.format(reference=quote(reference(f), safe=""))


def qr_svg(data: str) -> str:
    import segno

    return segno.make(data, error="m").svg_inline(scale=4, border=2)


def _page(head: Letterhead, title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>{e(title)}"
            f"</title><style>{CSS}</style></head><body>"
            f"<div class='kop'><div class='gov'>{e(head.government)}</div>"
            f"<div class='office'>{e(head.office)}</div><div class='addr'>{e(head.address)}"
            f"<br>{e(head.contact)}</div></div><h1>{e(title)}</h1>{body}</body></html>")


def _rows(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td class='k'>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='fields'>{cells}</table>"


def _list(items: list[Any]) -> str:
    return "<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>" if items else "-"


def _sign(head: Letterhead, role: str, name: str, at: str | None) -> str:
    return (f"<div class='sign'>{e(head.city)}, {when(at, head.timezone, False)}<br>{e(role)}"
            f"<br><br><br><br><b>{e(name)}</b></div>")


def receipt_html(f: dict[str, Any], head: Letterhead, names: Names,
                 code: str | None = None) -> str:
    address = lookup_address(head, f)
    applicant = f.get("applicant") or {}
    request = f.get("request") or {}
    ref_label = "Nomor Agenda" if f.get("agenda_number") else "Nomor Referensi Perkara"
    rows = [(ref_label, e(reference(f))),
            ("Diterima", when(_received_at(f), head.timezone)),
            ("Jalur", e(CHANNEL.get(f.get("channel") or "", f.get("channel")))),
            ("Nama Pemohon", e(applicant.get("name"))),
            ("Instansi / Organisasi", e(applicant.get("organization"))),
            ("Perihal", e(request.get("subject"))),
            ("Cek status permohonan", e(address))]
    if code:
        rows.append(("Kode status", f"<b>{e(code)}</b>"))
    body = (f"<div class='qr'>{qr_svg(address)}<br>Pindai untuk cek status</div>"
            + _rows(rows)
            + "<p class='note'>Simpan tanda terima ini. Sebutkan nomor di atas bila "
              "menanyakan permohonan Anda.</p>"
            + _sign(head, "Petugas Penerima", "(....................................)",
                    _received_at(f)))
    return _page(head, "TANDA TERIMA PERMOHONAN AUDIENSI", body)


def _received_at(f: dict[str, Any]) -> str | None:
    return f.get("registered_at") or f.get("requested_at") or _first(f, "RequestRegistered") \
        or _first(f, "AudienceRequested")


def _first(f: dict[str, Any], kind: str) -> str | None:
    return next((t["time"] for t in f.get("timeline", []) if t["type"] == kind), None)


def disposition_sheet_html(f: dict[str, Any], head: Letterhead, names: Names,
                           division_name: Names) -> str:
    letter = f.get("letter") or {}
    request = f.get("request") or {}
    last = (f.get("dispositions") or [None])[-1] or {}
    forwarded = e(division_name(last.get("division")))
    copies = [division_name(c) for c in last.get("copies", [])]
    if copies:
        forwarded += "<br>Tembusan: " + ", ".join(e(c) for c in copies)
    rows = [("No. Agenda", e(f.get("agenda_number"))),
            ("Tanggal terima", when(_received_at(f), head.timezone)),
            ("Asal surat", e(letter.get("sender") or (f.get("applicant") or {}).get("name"))),
            ("Nomor dan tanggal surat",
             f"{e(letter.get('number'))} / {day_of(letter.get('date'))}" if letter else "-"),
            ("Perihal", e(request.get("subject"))),
            ("Sifat", e(PRIORITY.get(last.get("priority") or "biasa"))),
            ("Diteruskan kepada", forwarded),
            ("Isi disposisi", e(last.get("instructions"))),
            ("Didisposisikan oleh", f"{e(names(last.get('by')))}, "
                                    f"{when(last.get('at'), head.timezone)}")]
    body = _rows(rows) + _sign(head, "Kepala Dinas", names(last.get("by")), last.get("at"))
    return _page(head, "LEMBAR DISPOSISI", body)


def report_html(f: dict[str, Any], head: Letterhead, names: Names,
                division_name: Names) -> str:
    report = f.get("report") or {}
    audience = f.get("audience") or {}
    request = f.get("request") or {}
    assignment = f.get("assignment") or {}
    direction = f.get("direction") or {}
    officer = assignment.get("current_officer") or f.get("officer_id") or direction.get(
        "officer")
    rows = [("No. Agenda / Referensi", e(reference(f))),
            ("Perihal", e(request.get("subject"))),
            ("Pemohon", e((f.get("applicant") or {}).get("name"))),
            ("Bidang", e(division_name(f.get("division")))),
            ("Waktu audiensi", when(audience.get("held_at"), head.timezone)),
            ("Peserta", _list(audience.get("attendees", []))),
            ("Pejabat pendamping", _list(audience.get("accompanied_by", []))),
            ("Ringkasan", e(report.get("summary"))),
            ("Saran", e(report.get("advice"))),
            ("Masukan", e(report.get("input"))),
            ("Pertimbangan", e(report.get("considerations"))),
            ("Solusi", e(report.get("solutions"))),
            ("Rekomendasi", _list(report.get("recommendations", []))),
            ("Petugas", e(names(officer))),
            ("Diteruskan oleh", _by(f.get("forwarding"), names, head)),
            ("Ditutup oleh", _by(f.get("closure"), names, head))]
    body = _rows(rows) + _sign(head, "Petugas", names(officer), report.get("at"))
    return _page(head, "LAPORAN HASIL AUDIENSI", body)


def _by(step: dict[str, Any] | None, names: Names, head: Letterhead) -> str:
    if not step:
        return "-"
    return f"{e(names(step.get('by')))}, {when(step.get('at'), head.timezone)}"


def render(page: str) -> bytes:
    """An A4 PDF of the page (WeasyPrint; the DejaVu fonts)."""
    import logging

    from weasyprint import HTML

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return HTML(string=page).write_pdf()
