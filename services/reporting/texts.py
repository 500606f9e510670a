"""User-facing text of the reporting service: Bahasa Indonesia first, English available."""

from __future__ import annotations

from chassis.i18n import Text

MODEL_MISSING = Text(
    "Model baca sedang dibangun ulang; coba lagi sebentar lagi",
    "The read model is being rebuilt; try again shortly",
)
CASE_NOT_FOUND = Text("Perkara tidak ditemukan", "Case not found")
OTHER_DIVISION = Text(
    "Kepala bidang hanya dapat melihat perkara bidangnya sendiri",
    "A division head can only see the cases of their own division",
)
NO_DIVISION = Text(
    "Token kepala bidang tidak menyebutkan bidang",
    "The division head's token names no division",
)
REBUILD_RUNNING = Text(
    "Pembangunan ulang model baca sedang berjalan; tunggu sampai selesai",
    "A read-model rebuild is already running; wait until it has finished",
)
REBUILD_STARTED = Text("Pembangunan ulang dimulai", "Rebuild started")
NOT_ON_FILE = Text(
    "Berkas perkara hanya untuk petugas yang menanganinya",
    "The case file is only for the staff who work on the case",
)
