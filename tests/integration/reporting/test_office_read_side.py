"""The office's read side over HTTP against real Kafka and Redis (the service as a process):
work queues per caller, the case file and its 403 matrix, search by each key and only what
the caller may read, the guest book and the complaint list; a rebuild gives the same
queues, files and index."""

from __future__ import annotations

import httpx
import pytest

from contracts.sealed import is_sealed
from services.reporting import scenarios as sc
from tests.support.auth import auth
from tests.unit.reporting.test_queues_and_file import documents_of, full_case

pytestmark = pytest.mark.integration

def two_addressees(case_id: str) -> list:
    """Two open escalations of one case, to the secretariat and to the Head of Office."""
    from datetime import timedelta

    from contracts import deterministic_id, envelope
    from contracts.sla import EscalationRaised
    out = []
    for n, role in enumerate(("secretariat", "head_of_office"), start=1):
        esc = EscalationRaised(
            escalation_id=deterministic_id("two", case_id, role), clock_id="clk-two",
            case_id=case_id, policy_id="dispose-request", level=n, reason="breached",
            to_role=role, due_at=sc.T0, raised_at=sc.T0 + n * timedelta(minutes=1))
        out.append(envelope(esc, source=sc.ESC, sequence=n, time=esc.raised_at,
                            id=deterministic_id("two-env", case_id, n)))
    return out


EVENTS = (full_case() + documents_of() + sc.visit("v-9", n=9) + two_addressees("q-reg")
          + sc.letter_case("q-reg", until="registered", n=41)
          + sc.letter_case("q-asg", until="assigned", n=42)
          + sc.letter_case("q-lin", until="disposed", division="linjamsos", n=44,
                           name="Siti Rahma")
          + sc.walk_in_case("q-walk", until="requested", n=43, name="Ayu Lestari")
          + sc.complaint("cp-q", closed=False))


@pytest.fixture(scope="module")
async def loaded(reporting):
    await reporting.produce(EVENTS)
    await reporting.caught_up()
    return reporting


def queues(rep, user, **claims) -> dict[str, list[dict]]:
    r = httpx.get(rep.url + "/queues/mine", headers=auth(user, **claims), timeout=30)
    assert r.status_code == 200, r.text
    return {q["queue"]: q["items"] for q in r.json()["queues"]}


def ids(items) -> list[str]:
    return [i.get("case_id") or i.get("complaint_id") for i in items]


def test_each_caller_sees_the_queues_of_their_steps(loaded):
    kadis = queues(loaded, "kadis")
    assert set(kadis) == {"to_dispose", "to_close", "escalated"}
    assert ids(kadis["to_dispose"]) == ["q-reg"]
    item = kadis["to_dispose"][0]
    assert (item["agenda_number"], item["subject"], item["status"], item["next_steps"]) == (
        "AUD/2026/000041", "PKH", "registered", ["dispose", "cancel"])
    assert ids(queues(loaded, "kabid-linjamsos")["to_receive"]) == ["q-lin"]
    assert ids(queues(loaded, "kabid-rehsos")["to_receive"]) == []
    officer = queues(loaded, "petugas-rehsos-1")["to_inform"]
    assert ids(officer) == ["q-asg"]
    assert officer[0]["sla_state"] == "on_track" and officer[0]["due_at"]
    waiting = queues(loaded, "frontdesk")["walk_ins_waiting"]
    assert ids(waiting) == ["q-walk"] and waiting[0]["due_at"]
    sek = queues(loaded, "sekretariat")
    assert ids(sek["complaints_to_verify"]) == ["cp-q"]
    assert ids(sek["walk_ins_waiting"]) == ["q-walk"]
    assert queues(loaded, "analis") == {}


def test_a_case_seen_through_two_roles_counts_once(loaded):
    both = httpx.get(loaded.url + "/queues/mine", timeout=30, headers=auth(
        "sekretariat", roles=["secretariat", "head_of_office"]))
    assert both.status_code == 200, both.text
    escalated = next(q for q in both.json()["queues"] if q["queue"] == "escalated")
    subjects = ids(escalated["items"])
    assert "q-reg" in subjects and len(subjects) == len(set(subjects))
    assert escalated["count"] == len(subjects)
    assert "q-reg" in ids(queues(loaded, "kadis")["escalated"])
    assert "q-reg" in ids(queues(loaded, "sekretariat")["escalated"])


FILE_OK = [("frontdesk", {}), ("sekretariat", {}), ("kadis", {}), ("kabid-rehsos", {}),
           ("kabid-linjamsos", {"division": "pmd"}),  # the case is copied to pmd
           ("petugas-rehsos-2", {})]
FILE_403 = [("kabid-linjamsos", {}), ("petugas-rehsos-1", {}), ("petugas-linjamsos-1", {}),
            ("analis", {}), ("ops", {}), ("admin", {})]


@pytest.mark.parametrize("user,claims", FILE_OK + FILE_403)
def test_the_case_file_403_matrix(loaded, user, claims):
    r = httpx.get(loaded.url + "/cases/c9/file", headers=auth(user, **claims), timeout=30)
    if (user, claims) in FILE_OK:
        assert r.status_code == 200, r.text
        assert r.json()["report"]["considerations"] == "pertimbangan"
    else:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"


def test_the_case_file_holds_the_texts_and_an_unknown_case_is_404(loaded):
    f = loaded.ok("/cases/c9/file", "kadis")
    assert f["staff_review"]["summary"] == "telaahan: perlu rapat"
    assert f["notifications"][0]["message"] == "Audiensi Senin 09.00"
    assert f["dispositions"][0]["instructions"] == "tindaklanjuti"
    assert f["assignment"]["reassignments"][0]["officer"] == "petugas-rehsos-2"
    assert f["applicant"]["phone"] == "0812" and f["letter"]["number"] == "045/LSM/2026"
    assert loaded.get("/cases/nope/file", "kadis").status_code == 404


def test_the_case_file_lists_the_attached_documents(loaded):
    f = loaded.ok("/cases/c9/file", "petugas-rehsos-2")
    assert [(d["document_id"], d["kind"], d["filename"], d["href"]) for d in f["documents"]] \
        == [("doc-1", "surat_permohonan", "berkas-1.pdf", "/documents/doc-1")]  # doc-2 removed
    assert f["status"] == "closed"


def pdf_text(rep, path: str, user: str, **params) -> str:
    import io
    import re

    import pypdf

    r = rep.get(path, user, **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    pages = pypdf.PdfReader(io.BytesIO(r.content)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


def test_the_printable_documents_of_a_case(loaded):
    receipt = pdf_text(loaded, "/cases/c9/receipt.pdf", "frontdesk", code="K7Q2MX")
    assert "TANDA TERIMA" in receipt and "AUD/2026/000909" in receipt
    assert "Panti asuhan" in receipt and "K7Q2MX" in receipt
    sheet = pdf_text(loaded, "/cases/c9/disposition-sheet.pdf", "kadis")
    for field in ("LEMBAR DISPOSISI", "AUD/2026/000909", "045/LSM/2026", "Segera",
                  "Bidang Rehabilitasi Sosial", "tindaklanjuti", "Kepala Dinas"):
        assert field in sheet, field
    report = pdf_text(loaded, "/cases/c9/report.pdf", "kabid-rehsos")
    for field in ("LAPORAN HASIL AUDIENSI", "ringkasan", "saran", "masukan", "pertimbangan",
                  "solusi", "r1", "Petugas Rehsos 2", "Kepala Dinas"):
        assert field in report, field
    assert loaded.get("/cases/c9/report.pdf", "analis").status_code == 403
    assert loaded.get("/cases/c9/receipt.pdf", "petugas-linjamsos-1").status_code == 403
    assert loaded.get("/cases/nope/receipt.pdf", "kadis").status_code == 404
    assert loaded.get("/cases/c9/receipt.pdf", "kadis", code="<x>").status_code == 422


def found(rep, user, q, **claims) -> list[str]:
    r = httpx.get(rep.url + "/search", headers=auth(user, **claims), params={"q": q},
                  timeout=30)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


@pytest.mark.parametrize("q,expected", [
    ("siti am", ["c9"]), ("SITI", ["c9", "q-lin"]), ("Sití Rah", ["q-lin"]),
    ("AUD/2026/000909", ["c9"]), ("000909", ["c9"]), ("045/lsm/2026", ["c9"]),
    ("q-walk", ["q-walk"]), ("ayu", ["q-walk"]), ("ADU-CP-Q", ["cp-q"]), ("zzz", []),
])
def test_search_finds_by_each_key(loaded, q, expected):
    assert sorted(found(loaded, "kadis", q)) == sorted(expected)


def test_search_shows_only_what_the_caller_may_read(loaded):
    assert found(loaded, "kabid-rehsos", "siti") == ["c9"]
    assert found(loaded, "kabid-linjamsos", "siti") == ["q-lin"]
    assert found(loaded, "petugas-rehsos-2", "siti") == ["c9"]
    assert found(loaded, "petugas-linjamsos-1", "siti") == []
    assert found(loaded, "kabid-rehsos", "ADU-CP-Q") == []
    for user in ("analis", "ops", "admin"):
        assert loaded.get("/search", user, q="siti").status_code == 403


def test_guestbook_and_complaints(loaded):
    book = loaded.ok("/guestbook", "frontdesk", date="2026-03-02")
    visit = next(i for i in book["items"] if i["visit_id"] == "v-9")
    assert visit["case_ids"] == ["c9"] and visit["identity"]["masked"].startswith("1971")
    assert loaded.get("/guestbook", "kadis", date="2026-03-02").status_code == 403
    r = loaded.get("/guestbook", "frontdesk", date="kemarin")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date"
    listed = loaded.ok("/complaints", "sekretariat", state="filed")
    assert [i["complaint_id"] for i in listed["items"]] == ["cp-q"]
    assert listed["items"][0]["clocks"][0]["policy_id"] == "complaint-verify"
    assert loaded.ok("/complaints", "kadis", state="closed")["items"] == []
    assert loaded.get("/complaints", "frontdesk").status_code == 403
    assert loaded.get("/complaints", "sekretariat", state="lost").status_code == 422


def test_the_agenda_book_by_period_and_division(loaded):
    book = {i["case_id"]: i for i in loaded.ok("/agenda", "sekretariat")["items"]}
    assert {"q-reg", "q-asg", "q-lin"} <= set(book) and "q-walk" not in book
    line = book["q-reg"]
    assert (line["agenda_number"], line["subject"], line["status"]) == (
        "AUD/2026/000041", "PKH", "registered")
    assert line["registered_at"] and book["q-lin"]["division"] == "linjamsos"
    assert not is_sealed(book["q-lin"]["organization"] or "")  # opened for the reader
    assert loaded.ok("/agenda", "sekretariat", **{"from": "2000-01-01",
                                                   "to": "2000-01-31"})["items"] == []
    assert loaded.ok("/agenda", "frontdesk", division="linjamsos")["items"][0][
        "case_id"] == "q-lin"
    # a division head: their own division only
    lin = loaded.ok("/agenda", "kabid-linjamsos")["items"]
    assert "q-lin" in {i["case_id"] for i in lin} and {i["division"] for i in lin} == {
        "linjamsos"}
    assert loaded.get("/agenda", "kabid-linjamsos", division="rehsos").status_code == 403
    for user in ("analis", "ops", "petugas-rehsos-1"):
        assert loaded.get("/agenda", user).status_code == 403
    assert loaded.get("/agenda", "sekretariat", division="nowhere").status_code == 422
    csv = loaded.get("/agenda.csv", "sekretariat")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = csv.text.lstrip("\ufeff").splitlines()
    assert rows[0] == "agenda_number,registered_at,letter_number,subject,organization," \
                      "division,status,case_id"
    assert any(r.startswith("AUD/2026/000041,") for r in rows[1:])
    assert loaded.get("/agenda.csv", "analis").status_code == 403


def answers(rep) -> dict:
    return {"queues": {u: queues(rep, u) for u in ("kadis", "kabid-rehsos", "frontdesk",
                                                    "petugas-rehsos-1", "sekretariat")},
            "file": rep.ok("/cases/c9/file", "kadis"),
            "agenda": rep.ok("/agenda", "sekretariat"),
            "search": {q: found(rep, "kadis", q) for q in ("siti", "000909", "ADU-CP-Q")}}


def test_a_rebuild_gives_the_same_queues_files_and_index(loaded):
    before, model = answers(loaded), loaded.dump()
    assert any(k.startswith("{p") and ":q:" in k for k in model)
    r = httpx.post(loaded.url + "/admin/projections/rebuild", headers=auth("admin"), timeout=30)
    assert r.status_code in (200, 202), r.text
    loaded.wait_rebuild_done()
    assert loaded.dump() == model
    assert answers(loaded) == before
