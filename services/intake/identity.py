"""Identity documents shown at the front office: format checks and masking. Pure.

Rules (and why):
- KTP: the NIK, 16 digits = province (2) + regency/city (2) + district (2) + birth date
  DDMMYY (women: day + 40) + serial (4). The province must be a real Kemendagri code
  (`PROVINCES`), regency, district and serial must not be all zeros, the birth date must be a
  real date and not in the future (the century is the latest one that is not in the future).
  A KTP-el is valid for life (UU 24/2013), so `valid_until` is optional for a KTP.
- SIM (driving licence): 12 to 14 digits (older 12-digit numbers, newer 14-digit ones).
- PASPOR: one or two letters followed by 7 digits (e.g. A1234567, XC1234567).
- KITAS (limited stay permit, foreigners): 11 letters/digits with at least one letter and one
  digit; the card number formats vary by year of issue, so only this shape is checked.
- SIM, PASPOR and KITAS always expire: `valid_until` is required; any document whose
  `valid_until` is before today is refused.

Spaces, dots and hyphens in a number are ignored; letters are upper-cased. No message here
ever contains the number or a part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chassis.i18n import Text

#: Kemendagri province codes (Permendagri 72/2019 and the 2022 Papua provinces)
PROVINCES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
    "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
    "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}

KINDS = ("KTP", "SIM", "PASPOR", "KITAS")
_SEPARATORS = re.compile(r"[\s.\-]")
_SIM = re.compile(r"^\d{12,14}$")
_PASPOR = re.compile(r"^[A-Z]{1,2}\d{7}$")
_KITAS = re.compile(r"^(?=.*[A-Z])(?=.*\d)[A-Z0-9]{11}$")


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a document: the field (`number` / `valid_until`) and why."""

    field: str
    reason: Text


def normalize(number: str) -> str:
    return _SEPARATORS.sub("", number).upper()


def nik_birth_date(nik: str, today: date) -> tuple[date, str] | None:
    """The birth date and sex (`L`/`P`) encoded in a NIK, or None if it is not a real date.

    The century is the latest that does not put the birth date after `today`."""
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "L"
    if day > 40:
        day, sex = day - 40, "P"
    for century in (today.year // 100 * 100, today.year // 100 * 100 - 100):
        try:
            born = date(century + yy, month, day)
        except ValueError:
            return None
        if born <= today:
            return born, sex
    return None


def check_nik(nik: str, today: date) -> list[Text]:
    if len(nik) != 16 or not nik.isdigit():
        return [Text("NIK harus 16 digit angka", "A NIK must be 16 digits")]
    problems: list[Text] = []
    if nik[:2] not in PROVINCES:
        problems.append(Text("Kode provinsi pada NIK tidak dikenal",
                             "The NIK's province code is not a real province"))
    if nik[2:4] == "00":
        problems.append(Text("Kode kabupaten/kota pada NIK tidak valid",
                             "The NIK's regency/city code is not valid"))
    if nik[4:6] == "00":
        problems.append(Text("Kode kecamatan pada NIK tidak valid",
                             "The NIK's district code is not valid"))
    if nik_birth_date(nik, today) is None:
        problems.append(Text("Tanggal lahir pada NIK bukan tanggal yang valid",
                             "The NIK's birth date digits are not a real date"))
    if nik[12:] == "0000":
        problems.append(Text("Nomor urut pada NIK tidak valid",
                             "The NIK's serial number is not valid"))
    return problems


def check_number(kind: str, number: str, today: date) -> list[Text]:
    if kind == "KTP":
        return check_nik(number, today)
    if kind == "SIM" and not _SIM.match(number):
        return [Text("Nomor SIM harus 12 sampai 14 digit angka",
                     "A SIM number must be 12 to 14 digits")]
    if kind == "PASPOR" and not _PASPOR.match(number):
        return [Text("Nomor paspor harus 1-2 huruf diikuti 7 angka",
                     "A passport number must be 1-2 letters followed by 7 digits")]
    if kind == "KITAS" and not _KITAS.match(number):
        return [Text("Nomor KITAS harus 11 huruf/angka (minimal satu huruf dan satu angka)",
                     "A KITAS number must be 11 letters/digits (at least one of each)")]
    return []


def check_document(kind: str, number: str, valid_until: date | None, today: date) -> list[Issue]:
    """Everything wrong with a document shown on `today` (empty: acceptable)."""
    if kind not in KINDS:
        return [Issue("kind", Text("Jenis dokumen identitas tidak dikenal",
                                   "Unknown identity document kind"))]
    issues = [Issue("number", t) for t in check_number(kind, normalize(number), today)]
    if valid_until is None and kind != "KTP":
        issues.append(Issue("valid_until", Text(
            "Masa berlaku wajib diisi untuk dokumen ini",
            "The expiry date is required for this document")))
    elif valid_until is not None and valid_until < today:
        issues.append(Issue("valid_until", Text(
            "Dokumen identitas sudah kedaluwarsa", "The identity document has expired")))
    return issues


def mask(kind: str, number: str) -> str:
    """The shown form: NIK and SIM keep the first 4 and last 2 characters, a passport the
    first and last 2, a KITAS the first 2 and last 2 (e.g. `1971**********01`)."""
    n = normalize(number)
    head = {"KTP": 4, "SIM": 4, "PASPOR": 1, "KITAS": 2}.get(kind, 2)
    tail = 2
    if len(n) <= head + tail:
        return "*" * len(n)
    return n[:head] + "*" * (len(n) - head - tail) + n[-tail:]
