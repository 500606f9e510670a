"""What a citizen sees of their request or complaint (`GET /public/status`). Pure.

Only the status and the times of the steps reached, with the steps named in Bahasa
Indonesia: no names, no officer or division, no texts, no agenda details beyond the
reference the citizen typed. A case sent back (a returned disposition or report) shows the
first time each step was reached, like the lead times.
"""

from __future__ import annotations

from typing import Any

from chassis.i18n import Text

CASE_STEPS = {
    "requested": Text("Permohonan diterima", "Request received"),
    "registered": Text("Dicatat dalam buku agenda", "Registered in the agenda book"),
    "directed": Text("Diarahkan ke petugas", "Directed to an officer"),
    "disposed": Text("Didisposisikan oleh Kepala Dinas", "Disposed by the Head of Office"),
    "received": Text("Diterima oleh bidang", "Received by the division"),
    "assigned": Text("Petugas ditunjuk", "Officer assigned"),
    "prepared": Text("Audiensi dipersiapkan", "Audience prepared"),
    "informed": Text("Pemohon diberi tahu jadwal", "Applicant informed of the schedule"),
    "declined": Text("Permohonan dijawab: audiensi tidak dapat dilaksanakan",
                     "Answered: the audience cannot take place"),
    "held": Text("Audiensi dilaksanakan", "Audience held"),
    "reported": Text("Laporan hasil disusun", "Result report written"),
    "forwarded": Text("Laporan diteruskan ke Kepala Dinas",
                      "Report forwarded to the Head of Office"),
    "closed": Text("Selesai", "Closed"),
    "withdrawn": Text("Ditarik oleh pemohon", "Withdrawn by the applicant"),
    "cancelled": Text("Dibatalkan", "Cancelled"),
}
COMPLAINT_STEPS = {
    "filed": Text("Pengaduan diterima", "Complaint received"),
    "verified": Text("Pengaduan diverifikasi", "Complaint verified"),
    "responded": Text("Pengaduan ditanggapi", "Complaint responded to"),
    "closed": Text("Selesai", "Closed"),
    "rejected": Text("Pengaduan ditolak", "Complaint rejected"),
}


def answer(reference: str, view: dict[str, Any], lang: str = "id") -> dict[str, Any]:
    names = CASE_STEPS if view["kind"] == "case" else COMPLAINT_STEPS
    order = list(names)  # steps at the same instant (requested, registered) in their order
    reached = sorted((at, order.index(step), step)
                     for step, at in (view.get("steps") or {}).items() if step in names)
    status = view.get("status")
    return {
        "reference": reference,
        "status": status,
        "status_text": names[status].get(lang) if status in names else None,
        "steps": [{"step": names[step].get(lang), "at": at} for at, _, step in reached],
    }
