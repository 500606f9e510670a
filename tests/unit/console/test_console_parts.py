"""The console's parts added with the documents, printouts and the live identity check:
which kinds a user may attach, which printouts a case has, the identity message; in
process, the identity check's answer and the upload limit."""

from __future__ import annotations

import pytest

from chassis.org import load_org
from chassis.settings import Settings
from services.console.routes_case import printouts
from services.console.routes_documents import attachable
from services.console.routes_guests import identity_message

pytestmark = pytest.mark.unit
ORG = load_org(Settings().org_file)
FILE = {"status": "assigned", "division": "rehsos", "officer_id": "petugas-rehsos-1"}
NIK = "1971011508850001"


def test_the_front_of_the_office_attaches_letters_and_the_case_workers_their_papers():
    assert attachable(ORG.user("frontdesk"), FILE) == ["surat_permohonan", "berkas_rujukan"]
    assert attachable(ORG.user("sekretariat"), FILE) == ["surat_permohonan",
                                                         "berkas_rujukan"]
    worker = ["telaahan_staf", "laporan_hasil", "lainnya"]
    assert attachable(ORG.user("petugas-rehsos-1"), FILE) == worker
    assert attachable(ORG.user("kabid-rehsos"), FILE) == worker
    assert attachable(ORG.user("petugas-rehsos-2"), FILE) == []  # not their case
    assert attachable(ORG.user("kabid-pmd"), FILE) == []
    assert attachable(ORG.user("kadis"), FILE) == []
    assert attachable(ORG.user("frontdesk"), {**FILE, "status": "closed"}) == []


def test_a_case_has_its_receipt_then_its_disposition_sheet_then_its_report():
    assert printouts({}) == ["tanda-terima"]
    assert printouts({"dispositions": [{}]}) == ["tanda-terima", "lembar-disposisi"]
    assert printouts({"dispositions": [{}], "report": {"summary": "x"}}) == [
        "tanda-terima", "lembar-disposisi", "laporan-hasil"]


@pytest.mark.parametrize(("number", "lang", "words"), [
    ("19710115", "id", "16 digit"),
    ("9971011508850001", "id", "provinsi"),
    ("1900011508850001", "en", "regency"),
    ("1971013208850001", "en", "birth date"),
    ("1971011508850000", "id", "urut"),
])
def test_the_identity_number_is_told_what_is_wrong_with_it(number, lang, words):
    ok, message = identity_message("KTP", number, lang)
    assert not ok and words in message
    assert number not in message


def test_a_valid_number_is_said_to_be_valid_in_the_readers_language():
    assert identity_message("KTP", NIK, "id") == (True, "Format nomor identitas benar.")
    assert identity_message("KTP", "1971 0115 0885 0001", "en")[0]
    assert not identity_message("PASPOR", NIK, "en")[0]
    assert identity_message("PASPOR", "A1234567", "en")[0]


@pytest.fixture(scope="module")
def signed_in():
    """The app in-process (no service behind it), signed in as the front office."""
    import re

    from fastapi.testclient import TestClient

    from services.console.app import build

    with TestClient(build(Settings(console_session_secret="s" * 40,
                                   documents_max_bytes=1000))) as client:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                         client.get("/masuk").text).group(1)
        r = client.post("/masuk", data={"username": "frontdesk", "password": "audiensi",
                                        "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        yield client, csrf


def test_the_identity_check_answers_a_message_only_and_needs_the_forms_token(signed_in):
    client, csrf = signed_in
    r = client.post("/tamu/periksa-identitas", data={
        "csrf_token": csrf, "identity_kind": "KTP", "identity_number": "197101"})
    assert r.status_code == 200 and 'data-valid="0"' in r.text
    assert "NIK harus 16 digit angka" in r.text and "197101" not in r.text
    r = client.post("/tamu/periksa-identitas?lang=en", data={
        "csrf_token": csrf, "identity_kind": "KTP", "identity_number": NIK})
    assert 'data-valid="1"' in r.text and "format is valid" in r.text and NIK not in r.text
    assert client.post("/tamu/periksa-identitas", data={"identity_number": NIK}
                       ).status_code == 403
    empty = client.post("/tamu/periksa-identitas", data={"csrf_token": csrf,
                                                          "identity_number": " "})
    assert empty.status_code == 200 and empty.text == ""


def test_an_upload_declared_over_the_limit_is_refused_before_it_is_read(signed_in):
    client, csrf = signed_in
    big = b"%PDF-" + b"x" * (1000 + 70 * 1024)
    r = client.post("/kasus/abc/dokumen", data={"csrf_token": csrf, "kind": "lainnya"},
                    files={"file": ("big.pdf", big, "application/pdf")})
    assert r.status_code == 413 and "terlalu besar" in r.text
    r = client.post("/surat", data={"csrf_token": csrf},
                    files={"scan": ("big.pdf", big, "application/pdf")})
    assert r.status_code == 413
