"""What a citizen sees of a view: steps in order and in their language, nothing personal."""

from services.reporting import scenarios as sc
from services.reporting.public import answer
from tests.unit.reporting.memory import MemoryModel


def view_of(envs, subject):
    m = MemoryModel()
    m.apply(envs)
    return m.view(subject)


def test_the_steps_of_a_case_in_order_named_in_indonesian_or_english():
    view = view_of(sc.letter_case("c1", until="received"), "c1")
    body = answer("AUD/2026/000001", view)
    assert body["status"] == "received" and body["status_text"] == "Diterima oleh bidang"
    assert [s["step"] for s in body["steps"]] == [
        "Permohonan diterima", "Dicatat dalam buku agenda",
        "Didisposisikan oleh Kepala Dinas", "Diterima oleh bidang"]
    assert [s["at"] for s in body["steps"]] == sorted(s["at"] for s in body["steps"])
    assert answer("x", view, "en")["steps"][0]["step"] == "Request received"


def test_nothing_personal_or_internal_is_answered():
    view = view_of(sc.letter_case("c1", until="closed"), "c1")
    body = answer("AUD/2026/000001", view)
    assert set(body) == {"reference", "status", "status_text", "steps"}
    text = str(body)
    for leak in ("s1.", "petugas", "rehsos", "kabid", "kadis", "hmac"):
        assert leak not in text


def test_a_complaints_steps():
    view = view_of(sc.complaint("cp-1", closed=True), "cp-1")
    assert [s["step"] for s in answer("ADU", view)["steps"]] == [
        "Pengaduan diterima", "Pengaduan diverifikasi", "Selesai"]
