"""Every string the console shows, in Bahasa Indonesia with English (chassis.i18n.Text),
and the reader's language: `?lang=en|id` (kept in the `lang` cookie), else the cookie, else
Indonesian."""

from __future__ import annotations

from chassis.i18n import Text

LANGS = ("id", "en")
LANG_COOKIE = "lang"


def pick(query: str | None, cookie: str | None) -> str:
    for value in (query, cookie):
        if value in LANGS:
            return value
    return "id"


T: dict[str, Text] = {
    "app": Text("Audiensi — Dinas Sosial dan PMD", "Audiensi — Social Affairs Office"),
    "sign_in": Text("Masuk", "Sign in"),
    "sign_out": Text("Keluar", "Sign out"),
    "sign_out_confirm": Text("Keluar dari konsol?", "Sign out of the console?"),
    "signed_out": Text("Anda telah keluar.", "You have signed out."),
    "username": Text("Nama pengguna", "Username"),
    "password": Text("Kata sandi", "Password"),
    "wrong_password": Text("Nama pengguna atau kata sandi salah.",
                           "Wrong username or password."),
    "too_many": Text("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {seconds} "
                     "detik.", "Too many failed sign-ins. Try again in {seconds} seconds."),
    "csrf": Text("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba "
                 "lagi.", "The form has expired or is not valid. Reload the page and try "
                 "again."),
    "home": Text("Beranda", "Home"),
    "queues": Text("Antrean kerja", "Work queues"),
    "no_queues": Text("Tidak ada antrean untuk peran Anda.", "Your role has no work queues."),
    "empty_queue": Text("Kosong", "Empty"),
    "register_letter": Text("Daftarkan surat", "Register a letter"),
    "registered": Text("Surat terdaftar dengan nomor agenda {agenda}.",
                       "Letter registered with agenda number {agenda}."),
    "done": Text("Tersimpan: {step}.", "Saved: {step}."),
    "case": Text("Kasus", "Case"),
    "status": Text("Status", "Status"),
    "agenda_number": Text("Nomor agenda", "Agenda number"),
    "channel": Text("Saluran", "Channel"),
    "division": Text("Bidang", "Division"),
    "officer": Text("Petugas", "Officer"),
    "applicant": Text("Pemohon", "Applicant"),
    "subject": Text("Perihal", "Subject"),
    "purpose": Text("Maksud", "Purpose"),
    "letter": Text("Surat", "Letter"),
    "timeline": Text("Riwayat", "Timeline"),
    "clocks": Text("Tenggat layanan", "Service deadlines"),
    "actions": Text("Langkah yang dapat Anda ambil", "Steps you can take"),
    "no_actions": Text("Tidak ada langkah yang dapat Anda ambil sekarang.",
                       "There is no step you can take now."),
    "refused": Text("Ditolak", "Refused"),
    "unreachable": Text("Layanan {service} tidak dapat dihubungi. Coba lagi sebentar lagi.",
                        "The {service} service cannot be reached. Try again shortly."),
    "not_found": Text("Halaman tidak ditemukan.", "Page not found."),
    "case_pending": Text("Kasus ini belum tercatat di berkas; muat ulang sebentar lagi.",
                         "This case is not on file yet; reload in a moment."),
    "open": Text("Buka", "Open"),
    "language": Text("English", "Bahasa Indonesia"),
    "submit": Text("Kirim", "Submit"),
    "required": Text("wajib", "required"),
    "time": Text("Waktu", "Time"),
    "event": Text("Peristiwa", "Event"),
    "source": Text("Sumber", "Source"),
    "due": Text("Tenggat", "Due"),
    "policy": Text("Kebijakan", "Policy"),
    "state": Text("Keadaan", "State"),
    "sla_on_track": Text("Sesuai jadwal", "On track"),
    "sla_at_risk": Text("Berisiko", "At risk"),
    "sla_breached": Text("Terlambat", "Breached"),
    "sla_paused": Text("Dijeda", "Paused"),
    "sla_met": Text("Terpenuhi", "Met"),
    "sla_cancelled": Text("Dibatalkan", "Cancelled"),
    "sla_none": Text("Tanpa tenggat", "No deadline"),
    "left": Text("sisa {time}", "{time} left"),
    "over": Text("lewat {time}", "{time} over"),
    "skip": Text("Langsung ke isi", "Skip to content"),
    "signed_in_as": Text("Masuk sebagai", "Signed in as"),
    "dev_password": Text("Pengembangan lokal: kata sandi setiap pengguna adalah "
                         "\u201caudiensi\u201d.", "Local development: every user's password "
                         "is \u201caudiensi\u201d."),
    "urgent": Text("mendesak", "urgent"),
    "file": Text("Berkas kasus", "Case file"),
    "disposition": Text("Disposisi", "Disposition"),
    "copies": Text("tembusan", "copies"),
    "instructions": Text("Instruksi", "Instructions"),
    "priority": Text("Sifat", "Priority"),
    "by": Text("oleh", "by"),
    "notification_informed": Text("Pemohon diberi tahu", "Applicant informed"),
    "notification_rescheduled": Text("Jadwal ulang", "Rescheduled"),
    "notification_declined": Text("Ditolak dengan jawaban", "Declined"),
    "scheduled": Text("jadwal", "scheduled for"),
    "audience": Text("Audiensi", "Audience"),
    "missing": Text("berkas kurang", "missing documents"),
    "report": Text("Laporan hasil", "Result report"),
    "summary": Text("Ringkasan", "Summary"),
    "advice": Text("Saran", "Advice"),
    "input": Text("Masukan", "Input"),
    "considerations": Text("Pertimbangan", "Considerations"),
    "solutions": Text("Solusi", "Solutions"),
    "recommendations": Text("Rekomendasi", "Recommendations"),
    "closure": Text("Penutupan", "Closure"),
    "board": Text("Papan eskalasi", "Escalation board"),
    "board_forbidden": Text("Papan eskalasi hanya untuk tim operasional, pimpinan dan "
                            "sekretariat.", "The escalation board is for the ops team, the "
                            "heads and the secretariat."),
    "new_escalation": Text("Pembaruan eskalasi", "Escalation update"),
    "open_escalations": Text("Eskalasi terbuka", "Open escalations"),
    "acknowledged_escalations": Text("Sudah ditanggapi", "Acknowledged"),
    "level": Text("Tingkat", "Level"),
    "raised": Text("Muncul", "Raised"),
    "acknowledge": Text("Tanggapi", "Acknowledge"),
    "acknowledged": Text("Eskalasi ditanggapi oleh {name}.", "Escalation acknowledged by "
                         "{name}."),
    "taken_by": Text("Ditanggapi oleh", "Taken by"),
    "note": Text("Catatan", "Note"),
    "complaints": Text("Pengaduan", "Complaints"),
    "complaints_forbidden": Text("Pengaduan ditangani oleh front office, sekretariat dan "
                                 "Kepala Dinas.", "Complaints are handled by the front "
                                 "office, the secretariat and the Head of Office."),
    "file_complaint": Text("Catat pengaduan", "File a complaint"),
    "complaint_filed": Text("Pengaduan tercatat dengan nomor {tracking}.",
                            "Complaint filed with tracking number {tracking}."),
    "confidential": Text("rahasia", "confidential"),
    "guest_book": Text("Buku tamu", "Guest book"),
    "guests_forbidden": Text("Buku tamu diisi oleh petugas front office.",
                             "The guest book is kept by the front office."),
    "check_in": Text("Catat kunjungan", "Check in"),
    "checked_in": Text("Kunjungan tercatat di buku tamu.", "The visit is in the guest book."),
    "today_visits": Text("Kunjungan hari ini", "Today's visits"),
    "visitor": Text("Tamu", "Visitor"),
    "identity": Text("Identitas", "Identity"),
    "request_audience": Text("Ajukan permohonan audiensi", "Request an audience"),
    "walk_in_requested": Text("Permohonan audiensi tercatat.", "The audience request is "
                              "recorded."),
    "dashboard": Text("Dasbor", "Dashboard"),
    "dashboard_forbidden": Text("Dasbor hanya untuk analis dan Kepala Dinas.",
                                "The dashboard is for analysts and the Head of Office."),
    "from": Text("Dari tanggal", "From"),
    "to": Text("Sampai tanggal", "To"),
    "show": Text("Tampilkan", "Show"),
    "csv": Text("Unduh kasus (CSV)", "Download cases (CSV)"),
    "chart_volume": Text("Permohonan per saluran, pengaduan dan kunjungan per hari",
                         "Requests by channel, complaints and visits per day"),
    "chart_sla": Text("Kepatuhan tenggat per kebijakan", "SLA compliance per policy"),
    "chart_lead": Text("Waktu tempuh sejak permohonan, per langkah",
                       "Lead time from the request, per step"),
    "chart_workload": Text("Beban kerja: kasus terbuka per bidang",
                           "Workload: open cases per division"),
    # --- added by consolea ---
    "documents": Text("Dokumen", "Documents"),
    "no_documents": Text("Belum ada dokumen.", "No documents yet."),
    "doc_kind": Text("Jenis dokumen", "Kind of document"),
    "doc_title": Text("Judul (boleh kosong)", "Title (optional)"),
    "doc_file": Text("Berkas (PDF, JPEG atau PNG, paling besar 10 MiB)",
                     "File (PDF, JPEG or PNG, at most 10 MiB)"),
    "doc_upload": Text("Unggah dokumen", "Upload a document"),
    "doc_download": Text("Unduh", "Download"),
    "doc_attached": Text("Dokumen terunggah: {name}.", "Document uploaded: {name}."),
    "doc_not_attached": Text("Pindaian surat belum terunggah: {detail}. Unggah dari halaman "
                             "kasus.", "The letter's scan was not uploaded: {detail}. Upload "
                             "it from the case page."),
    "doc_no_file": Text("Pilih berkas yang akan diunggah.", "Choose a file to upload."),
    "doc_too_large": Text("Berkas terlalu besar (paling besar 10 MiB).",
                          "The file is too large (at most 10 MiB)."),
    "doc_size": Text("Ukuran", "Size"),
    "doc_name": Text("Nama berkas", "File name"),
    "kind_surat_permohonan": Text("Surat permohonan (pindaian)", "Request letter (scan)"),
    "kind_berkas_rujukan": Text("Berkas rujukan", "Referral file"),
    "kind_telaahan_staf": Text("Telaahan staf", "Staff review"),
    "kind_laporan_hasil": Text("Laporan hasil", "Result report"),
    "kind_lainnya": Text("Lainnya", "Other"),
    "scan": Text("Pindaian surat (PDF, JPEG atau PNG; boleh menyusul)",
                 "Scan of the letter (PDF, JPEG or PNG; may follow later)"),
    "step_upload": Text("Lampiran (boleh kosong)", "Attachment (optional)"),
    "printouts": Text("Cetak", "Print"),
    "print_receipt": Text("Cetak tanda terima", "Print the receipt"),
    "print_disposition": Text("Cetak lembar disposisi", "Print the disposition sheet"),
    "print_report": Text("Cetak laporan hasil", "Print the result report"),
    "status_code": Text("Kode status untuk pemohon", "Status code for the applicant"),
    "status_code_hint": Text("Kode ini hanya tampil sekarang dan tercetak pada tanda terima; "
                             "pemohon memakainya untuk melihat status permohonan.",
                             "This code is shown only now and printed on the receipt; the "
                             "applicant uses it to look up the request's status."),
    "agenda_book": Text("Buku agenda", "Agenda book"),
    "agenda_forbidden": Text("Buku agenda untuk sekretariat, front office, Kepala Dinas dan "
                             "kepala bidang.", "The agenda book is for the secretariat, the "
                             "front office, the Head of Office and the division heads."),
    "agenda_csv": Text("Unduh buku agenda (CSV)", "Download the agenda book (CSV)"),
    "agenda_empty": Text("Tidak ada surat terdaftar pada rentang ini.",
                         "No letter was registered in this period."),
    "registered_at": Text("Tanggal registrasi", "Registered"),
    "letter_number": Text("Nomor surat", "Letter number"),
    "organization": Text("Instansi", "Organisation"),
    "clock_counts": Text("Tenggat layanan yang berjalan", "Service clocks running"),
    "clock_counts_note": Text("Berisiko: tenggat berjalan yang sudah memunculkan eskalasi "
                              "berisiko.", "At risk: a running clock that has raised an "
                              "at-risk escalation."),
    "routed_complaints": Text("Pengaduan yang diteruskan ke bidang Anda",
                              "Complaints routed to your division"),
    "nik_ok": Text("Format nomor identitas benar.", "The identity number's format is valid."),
    "nik_hint": Text("Diperiksa saat Anda mengetik; nomor tidak disimpan sebelum kunjungan "
                     "dicatat.", "Checked as you type; the number is not stored until the "
                     "visit is checked in."),
    "doc_remove": Text("Hapus", "Remove"),
    "doc_removed": Text("Dokumen dihapus.", "The document was removed."),
    "ev_document_attached": Text("Dokumen dilampirkan", "Document attached"),
    "ev_document_removed": Text("Dokumen dihapus", "Document removed"),
}

QUEUES: dict[str, Text] = {
    "to_dispose": Text("Surat untuk didisposisi", "Letters to dispose"),
    "to_close": Text("Laporan untuk ditutup", "Reports to close"),
    "to_receive": Text("Disposisi untuk diterima", "Dispositions to receive"),
    "to_assign": Text("Kasus untuk ditugaskan", "Cases to assign"),
    "to_forward": Text("Laporan untuk diteruskan", "Reports to forward"),
    "in_progress": Text("Kasus berjalan di bidang", "The division's cases in progress"),
    "to_inform": Text("Pemohon untuk diberi tahu", "Applicants to inform"),
    "to_hold": Text("Audiensi untuk dilaksanakan", "Audiences to hold"),
    "to_report": Text("Laporan hasil untuk dibuat", "Result reports to write"),
    "walk_ins": Text("Tamu langsung diarahkan ke Anda", "Walk-ins directed to you"),
    "walk_ins_waiting": Text("Tamu mendesak menunggu", "Urgent walk-ins waiting"),
    "complaints_to_verify": Text("Pengaduan untuk diverifikasi", "Complaints to verify"),
    "complaints_to_respond": Text("Pengaduan untuk dijawab", "Complaints to respond to"),
    "complaints_routed": Text("Pengaduan diteruskan ke bidang Anda",
                              "Complaints routed to your division"),
    "escalated": Text("Eskalasi", "Escalations"),
}

STATUSES: dict[str, Text] = {
    "requested": Text("diajukan", "requested"), "registered": Text("terdaftar", "registered"),
    "disposed": Text("didisposisi", "disposed"), "received": Text("diterima", "received"),
    "assigned": Text("ditugaskan", "assigned"), "prepared": Text("disiapkan", "prepared"),
    "informed": Text("pemohon diberi tahu", "applicant informed"),
    "held": Text("audiensi dilaksanakan", "audience held"),
    "reported": Text("laporan dibuat", "reported"),
    "forwarded": Text("laporan diteruskan", "report forwarded"),
    "closed": Text("ditutup", "closed"), "directed": Text("diarahkan", "directed"),
    "declined": Text("ditolak dengan jawaban", "declined"),
    "withdrawn": Text("ditarik", "withdrawn"), "cancelled": Text("dibatalkan", "cancelled"),
    "filed": Text("diajukan", "filed"), "verified": Text("diverifikasi", "verified"),
    "responded": Text("dijawab", "responded"), "rejected": Text("ditolak", "rejected"),
}

EVENTS: dict[str, Text] = {
    "VisitorCheckedIn": Text("Tamu mengisi buku tamu", "Visitor checked in"),
    "AudienceRequested": Text("Permohonan audiensi diajukan", "Audience requested"),
    "RequestRegistered": Text("Permohonan diregistrasi", "Request registered"),
    "ComplaintRouted": Text("Pengaduan diteruskan ke bidang", "Complaint routed"),
    "ComplaintRejected": Text("Pengaduan ditolak", "Complaint rejected"),
    "CaseDisposed": Text("Didisposisi", "Disposed"),
    "DispositionReturned": Text("Disposisi dikembalikan", "Disposition returned"),
    "DispositionReceived": Text("Disposisi diterima", "Disposition received"),
    "OfficerAssigned": Text("Petugas ditugaskan", "Officer assigned"),
    "OfficerReassigned": Text("Petugas dialihkan", "Officer reassigned"),
    "PreparationRecorded": Text("Persiapan dicatat", "Preparation recorded"),
    "StaffReviewSubmitted": Text("Telaah staf diajukan", "Staff review submitted"),
    "ApplicantInformed": Text("Pemohon diberi tahu", "Applicant informed"),
    "AudienceRescheduled": Text("Audiensi dijadwal ulang", "Audience rescheduled"),
    "AudienceDeclined": Text("Audiensi ditolak dengan jawaban", "Audience declined"),
    "WalkInDirected": Text("Tamu diarahkan ke petugas", "Walk-in directed"),
    "AudienceHeld": Text("Audiensi dilaksanakan", "Audience held"),
    "ResultReportSubmitted": Text("Laporan hasil diajukan", "Result report submitted"),
    "ResultReportReturned": Text("Laporan hasil dikembalikan", "Result report returned"),
    "ResultReportForwarded": Text("Laporan hasil diteruskan", "Result report forwarded"),
    "CaseClosed": Text("Kasus ditutup", "Case closed"),
    "CaseCancelled": Text("Kasus dibatalkan", "Case cancelled"),
    "RequestWithdrawn": Text("Permohonan ditarik", "Request withdrawn"),
    "ClockStarted": Text("Tenggat mulai", "Clock started"),
    "ClockStopped": Text("Tenggat berhenti", "Clock stopped"),
    "ClockPaused": Text("Tenggat dijeda", "Clock paused"),
    "ClockResumed": Text("Tenggat dilanjutkan", "Clock resumed"),
    "ClockAtRisk": Text("Tenggat berisiko", "Clock at risk"),
    "ClockBreached": Text("Tenggat terlewati", "Clock breached"),
    "EscalationRaised": Text("Eskalasi muncul", "Escalation raised"),
    "EscalationAcknowledged": Text("Eskalasi ditanggapi", "Escalation acknowledged"),
    "EscalationResolved": Text("Eskalasi selesai", "Escalation resolved"),
}
CHANNELS: dict[str, Text] = {
    "letter": Text("surat", "letter"), "walk_in": Text("datang langsung", "walk-in"),
}


def text(key: str, lang: str, **values) -> str:
    return T[key].get(lang).format(**values) if values else T[key].get(lang)


def label(table: dict[str, Text], key: str | None, lang: str) -> str:
    if key is None:
        return "—"
    found = table.get(key)
    return found.get(lang) if found else key
