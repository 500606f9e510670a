"""The forms of the standard's steps: which fields each step asks for and the API body they
become. Pure: the routes render `STEPS[step].fields` and post `body(step, form)`.

A step's key is the disposition service's own name (`allowed_next_steps`), its path the
route under `/cases/{case_id}/`. Times typed into a form are office time (WIB, UTC+7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from chassis.i18n import Text

WIB = timezone(timedelta(hours=7), "WIB")


class FormError(ValueError):
    """A field the console itself cannot turn into the API's shape (e.g. a malformed time)."""

    def __init__(self, field_name: str, text: Text) -> None:
        super().__init__(field_name)
        self.field = field_name
        self.text = text


@dataclass(frozen=True)
class Field:
    name: str
    label: Text
    kind: str = "text"  # text | textarea | lines | select | checks | datetime | date | number
    required: bool = True  # | checkbox | hidden
    options: str | None = None  # "divisions" | "officers" | "priorities" | "channels" | ...
    default: str = ""


@dataclass(frozen=True)
class Step:
    key: str
    path: str
    label: Text
    service: str = "disposition"
    fields: tuple[Field, ...] = field(default_factory=tuple)


def _f(name, id_, en, kind="text", required=True, options=None, default=""):
    return Field(name, Text(id_, en), kind, required, options, default)


CHANNEL = _f("channel", "Cara memberi tahu", "How the applicant was told", "select",
             options="contact_channels", default="telepon")
MESSAGE = _f("message", "Pesan kepada pemohon", "Message to the applicant", "textarea")

STEPS: dict[str, Step] = {s.key: s for s in (
    Step("disposition", "disposition", Text("Disposisi", "Dispose"), fields=(
        _f("division", "Bidang tujuan", "Division", "select", options="divisions"),
        _f("copies", "Tembusan", "Copies to", "checks", False, "divisions"),
        _f("instructions", "Instruksi", "Instructions", "textarea"),
        _f("priority", "Sifat", "Priority", "select", False, "priorities"),
    )),
    Step("receipt", "receipt", Text("Terima disposisi", "Receive the disposition")),
    Step("disposition-return", "disposition/return",
         Text("Kembalikan disposisi", "Return the disposition"),
         fields=(_f("reason", "Alasan", "Reason", "textarea"),)),
    Step("assignment", "assignment", Text("Tugaskan petugas", "Assign an officer"), fields=(
        _f("officer_id", "Petugas", "Officer", "select", options="officers"),)),
    Step("reassignment", "reassignment", Text("Alihkan petugas", "Reassign"), fields=(
        _f("officer_id", "Petugas baru", "New officer", "select", options="officers"),
        _f("reason", "Alasan", "Reason", "textarea"))),
    Step("preparation", "preparation", Text("Catat persiapan", "Record the preparation"),
         fields=(
        _f("administration", "Administrasi", "Administration", "textarea"),
        _f("materials", "Bahan", "Materials", "textarea"),
        _f("equipment", "Perlengkapan", "Equipment", "textarea"),
        _f("staff_review_required", "Perlu telaah staf", "Staff review required", "checkbox",
           False))),
    Step("staff-review", "staff-review", Text("Telaah staf", "Staff review"), fields=(
        _f("summary", "Ringkasan telaah", "Summary", "textarea"),
        _f("involves_agencies", "Instansi terkait (satu per baris)",
           "Agencies involved (one per line)", "lines", False),
        _f("needs_leadership_meeting", "Perlu rapat pimpinan", "Needs a leadership meeting",
           "checkbox", False))),
    Step("notification", "notification", Text("Beri tahu pemohon", "Inform the applicant"),
         fields=(CHANNEL, MESSAGE,
                 _f("scheduled_for", "Jadwal audiensi (WIB)", "Audience time (WIB)",
                    "datetime", False))),
    Step("rescheduling", "rescheduling", Text("Jadwal ulang", "Reschedule"), fields=(
        _f("scheduled_for", "Jadwal baru (WIB)", "New time (WIB)", "datetime"),
        CHANNEL, MESSAGE)),
    Step("declination", "declination", Text("Tolak dengan jawaban", "Decline with an answer"),
         fields=(_f("reason", "Alasan", "Reason", "textarea"), CHANNEL, MESSAGE)),
    Step("direction", "direction", Text("Arahkan ke petugas", "Direct to an officer"),
         fields=(_f("officer_id", "Petugas", "Officer", "select", options="all_officers"),)),
    Step("audience", "audience", Text("Catat audiensi", "Record the audience"), fields=(
        _f("held_at", "Waktu pelaksanaan (WIB)", "Held at (WIB)", "datetime"),
        _f("attendees", "Peserta (satu per baris)", "Attendees (one per line)", "lines"),
        _f("accompanied_by", "Didampingi (satu per baris)", "Accompanied by (one per line)",
           "lines", False),
        _f("missing_documents", "Berkas yang kurang (satu per baris; kosong: lengkap)",
           "Missing documents (one per line; empty: complete)", "lines", False))),
    Step("report", "report", Text("Laporan hasil", "Result report"), fields=(
        _f("summary", "Ringkasan", "Summary", "textarea"),
        _f("advice", "Saran", "Advice", "textarea"),
        _f("input", "Masukan", "Input", "textarea", False),
        _f("considerations", "Pertimbangan", "Considerations", "textarea", False),
        _f("solutions", "Solusi", "Solutions", "textarea", False),
        _f("recommendations", "Rekomendasi (satu per baris)", "Recommendations (one per line)",
           "lines", False))),
    Step("report-forwarding", "report/forwarding",
         Text("Teruskan laporan ke Kepala Dinas", "Forward the report to the Head of Office")),
    Step("report-return", "report/return", Text("Kembalikan laporan", "Return the report"),
         fields=(_f("note", "Catatan", "Note", "textarea"),)),
    Step("closure", "closure", Text("Tutup kasus", "Close the case"), fields=(
        _f("outcome", "Hasil", "Outcome", "textarea", default="selesai"),)),
    Step("cancellation", "cancellation", Text("Batalkan kasus", "Cancel the case"),
         fields=(_f("reason", "Alasan", "Reason", "textarea"),)),
)}

OPTIONS_STATIC: dict[str, list[tuple[str, Text]]] = {
    "complaint_channels": [("in_person", Text("Datang langsung", "In person")),
                           ("letter", Text("Surat", "Letter")),
                           ("website", Text("Situs web", "Website")),
                           ("sp4n_lapor", Text("SP4N-LAPOR!", "SP4N-LAPOR!"))],
    "identity_kinds": [("KTP", Text("KTP (NIK)", "KTP (NIK)")), ("SIM", Text("SIM", "SIM")),
                       ("PASPOR", Text("Paspor", "Passport")), ("KITAS", Text("KITAS", "KITAS"))],
    "priorities": [("biasa", Text("Biasa", "Normal")), ("segera", Text("Segera", "Urgent")),
                   ("sangat_segera", Text("Sangat segera", "Very urgent"))],
    "contact_channels": [("telepon", Text("Telepon", "Phone")),
                         ("whatsapp", Text("WhatsApp", "WhatsApp")),
                         ("surat", Text("Surat", "Letter")), ("email", Text("Surel", "Email"))],
}

BAD_TIME = Text("Waktu tidak valid (YYYY-MM-DDTHH:MM)", "Invalid time (YYYY-MM-DDTHH:MM)")
BAD_DATE = Text("Tanggal tidak valid (YYYY-MM-DD)", "Invalid date (YYYY-MM-DD)")
BAD_NUMBER = Text("Bukan bilangan bulat", "Not a whole number")


def wib_time(value: str, field_name: str) -> str:
    """`2026-12-03T14:30` typed in WIB -> an aware ISO 8601 time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(field_name, BAD_TIME) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=WIB)
    return parsed.isoformat()


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def value_of(f: Field, form: Any) -> Any:
    """One field's value from a submitted form (a starlette FormData or a dict), or None
    when left empty."""
    if f.kind == "checks":
        getlist = getattr(form, "getlist", None)
        chosen = getlist(f.name) if getlist else form.get(f.name) or []
        return [c for c in chosen if c]
    if f.kind == "checkbox":
        return form.get(f.name) in ("on", "true", "1")
    raw = (form.get(f.name) or "").strip()
    if not raw:
        return [] if f.kind == "lines" else None
    if f.kind == "lines":
        return lines(raw)
    if f.kind == "datetime":
        return wib_time(raw, f.name)
    if f.kind == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise FormError(f.name, BAD_DATE) from None
    if f.kind == "number":
        try:
            return int(raw)
        except ValueError:
            raise FormError(f.name, BAD_NUMBER) from None
    return raw


def body(step: str, form: Any) -> dict[str, Any]:
    """The API body of `step` from a submitted form: empty optional fields left out (the API
    applies its defaults); an empty required one is sent empty, so the API says why."""
    out: dict[str, Any] = {}
    for f in STEPS[step].fields:
        value = value_of(f, form)
        if value is None:
            if f.required:
                out[f.name] = ""
            continue
        if f.kind in ("lines", "checks") and not value and not f.required:
            continue
        out[f.name] = value
    if step == "audience":
        out["documents_complete"] = not out.get("missing_documents")
    return out


# -- letter registration (intake POST /requests) -----------------------------------------
LETTER_FIELDS: tuple[Field, ...] = (
    _f("letter_number", "Nomor surat", "Letter number"),
    _f("letter_dated", "Tanggal surat", "Letter date", "date"),
    _f("sender", "Pengirim surat", "Sender"),
    _f("addressed_to", "Ditujukan kepada", "Addressed to", default="Kepala Dinas"),
    _f("applicant_name", "Nama pemohon", "Applicant's name"),
    _f("organization", "Instansi / organisasi", "Organisation", required=False),
    _f("contact", "Kontak (telepon/surel)", "Contact (phone/email)", required=False),
    _f("subject", "Perihal", "Subject"),
    _f("purpose", "Maksud audiensi", "Purpose of the audience", "textarea"),
    _f("participants", "Jumlah peserta", "Participants", "number", default="1"),
    _f("preferred_date", "Tanggal yang diinginkan", "Preferred date", "date", False),
)
LETTER_BY_NAME = {f.name: f for f in LETTER_FIELDS}


def letter_body(form: Any) -> dict[str, Any]:
    """intake `POST /requests` for a letter (channel `letter`, not urgent)."""
    v = {f.name: value_of(f, form) for f in LETTER_FIELDS}

    def given(name: str) -> Any:
        return v[name] if v[name] is not None else ("" if LETTER_BY_NAME[name].required
                                                    else None)

    applicant = {"name": given("applicant_name")}
    for name in ("organization", "contact"):
        if v[name]:
            applicant[name] = v[name]
    form_part: dict[str, Any] = {"subject": given("subject"),
                                 "participants": v["participants"] or 1}
    if v["preferred_date"]:
        form_part["preferred_date"] = v["preferred_date"]
    return {
        "channel": "letter", "urgent": False, "applicant": applicant,
        "purpose": given("purpose"), "form": form_part,
        "letter": {"number": given("letter_number"), "dated": v["letter_dated"] or "",
                   "addressed_to": given("addressed_to"), "sender": given("sender")},
    }


# -- the guest book (intake POST /visits) and a walk-in's request ----------------------------
VISIT_FIELDS: tuple[Field, ...] = (
    _f("name", "Nama tamu", "Visitor's name"),
    _f("organization", "Instansi / organisasi", "Organisation", required=False),
    _f("phone", "Telepon", "Phone", required=False),
    _f("identity_kind", "Jenis identitas", "Identity document", "select",
       options="identity_kinds", default="KTP"),
    _f("identity_number", "Nomor identitas", "Identity number"),
    _f("identity_valid_until", "Berlaku sampai (kosong: seumur hidup)",
       "Valid until (empty: for life)", "date", False),
    _f("purpose", "Keperluan", "Purpose of the visit", "textarea"),
)
WALK_IN_FIELDS: tuple[Field, ...] = (
    _f("applicant_name", "Nama pemohon", "Applicant's name"),
    _f("subject", "Perihal", "Subject"),
    _f("purpose", "Maksud audiensi", "Purpose of the audience", "textarea"),
    _f("participants", "Jumlah peserta", "Participants", "number", default="1"),
    _f("urgent", "Mendesak (diarahkan ke petugas dalam 30 menit)",
       "Urgent (directed to an officer within 30 minutes)", "checkbox", False),
)


def _values(fields: tuple[Field, ...], form: Any) -> dict[str, Any]:
    return {f.name: value_of(f, form) for f in fields}


def visit_body(form: Any) -> dict[str, Any]:
    v = _values(VISIT_FIELDS, form)
    identity: dict[str, Any] = {"kind": v["identity_kind"] or "KTP",
                                "number": v["identity_number"] or ""}
    if v["identity_valid_until"]:
        identity["valid_until"] = v["identity_valid_until"]
    out: dict[str, Any] = {"name": v["name"] or "", "purpose": v["purpose"] or "",
                           "identity": identity}
    for name in ("organization", "phone"):
        if v[name]:
            out[name] = v[name]
    return out


def walk_in_body(visit_id: str, form: Any) -> dict[str, Any]:
    v = _values(WALK_IN_FIELDS, form)
    return {"channel": "walk_in", "urgent": bool(v["urgent"]), "visit_id": visit_id,
            "applicant": {"name": v["applicant_name"] or ""}, "purpose": v["purpose"] or "",
            "form": {"subject": v["subject"] or "", "participants": v["participants"] or 1}}


# -- complaints (intake /complaints) --------------------------------------------------------
COMPLAINT_FIELDS: tuple[Field, ...] = (
    _f("channel", "Saluran", "Channel", "select", options="complaint_channels",
       default="in_person"),
    _f("lapor_tracking_id", "Nomor LAPOR! (jika dari SP4N-LAPOR!)",
       "LAPOR! tracking id (from SP4N-LAPOR!)", required=False),
    _f("identity_kind", "Jenis identitas pelapor", "Complainant's identity document", "select",
       False, "identity_kinds"),
    _f("identity_number", "Nomor identitas pelapor", "Complainant's identity number",
       required=False),
    _f("anonymous", "Anonim", "Anonymous", "checkbox", False),
    _f("confidential", "Rahasia (isi hanya untuk sekretariat dan Kepala Dinas)",
       "Confidential (content for the secretariat and the Head of Office only)", "checkbox",
       False),
    _f("subject", "Perihal", "Subject"),
    _f("content", "Isi pengaduan", "The complaint", "textarea"),
)

#: complaint steps: key -> (path under /complaints/{id}/, label, fields, states it fits)
COMPLAINT_STEPS: dict[str, Step] = {s.key: s for s in (
    Step("verification", "verification", Text("Verifikasi", "Verify"), "intake",
         (_f("note", "Catatan", "Note", "textarea", False),)),
    Step("routing", "routing", Text("Teruskan ke bidang", "Route to a division"), "intake",
         (_f("division", "Bidang", "Division", "select", options="divisions"),)),
    Step("response", "response", Text("Jawab", "Respond"), "intake",
         (_f("response", "Jawaban", "Response", "textarea"),
          _f("channel", "Dikirim melalui", "Sent by", "select", options="contact_channels",
             default="surat"))),
    Step("rejection", "rejection", Text("Tolak (tidak sah / spam)", "Reject (invalid / spam)"),
         "intake", (_f("reason", "Alasan", "Reason", "textarea"),)),
    Step("closure", "closure", Text("Tutup pengaduan", "Close the complaint"), "intake",
         (_f("resolution", "Penyelesaian", "Resolution", "textarea"),)),
)}
COMPLAINT_NEXT = {"filed": ("verification", "rejection", "closure"),
                  "verified": ("routing", "response", "rejection", "closure"),
                  "responded": ("closure",)}


def complaint_body(form: Any) -> dict[str, Any]:
    v = _values(COMPLAINT_FIELDS, form)
    out: dict[str, Any] = {"channel": v["channel"] or "in_person",
                           "anonymous": bool(v["anonymous"]),
                           "confidential": bool(v["confidential"]),
                           "subject": v["subject"] or "", "content": v["content"] or ""}
    if v["identity_number"]:
        out["identity"] = {"kind": v["identity_kind"] or "KTP", "number": v["identity_number"]}
    if v["lapor_tracking_id"]:
        out["lapor_tracking_id"] = v["lapor_tracking_id"]
    return out


def complaint_step_body(step: str, form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in COMPLAINT_STEPS[step].fields:
        value = value_of(f, form)
        if value is None:
            if f.required:
                out[f.name] = ""
            continue
        out[f.name] = value
    return out
