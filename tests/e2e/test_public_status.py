"""A citizen looks their request and complaint up with the code of their receipt: no token,
no personal data, a wrong code indistinguishable from an unknown reference, rate-limited."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.client import NIK, TRANSIENT, Api
from tests.e2e.conftest import PUBLIC_STATUS_LIMIT
from tests.support.waiting import eventually_sync

pytestmark = pytest.mark.timeout(240)
PERSONAL = ("Budi Santoso", "Desa Air Itam", "Kepala Desa", "rehabilitasi", "petugas",
            "kabid", "kadis", "rehsos", "ditindaklanjuti", NIK)


@pytest.fixture(scope="module")
def api(system) -> Api:
    return Api({s: system.url(s) for s in ("intake", "disposition", "sla", "reporting")})


def lookup(api: Api, reference: str, code: str, **headers) -> httpx.Response:
    return api.http.get(api.urls["reporting"] + "/public/status",
                        params={"reference": reference, "code": code}, headers=headers)


def wrong(code: str) -> str:
    return ("0" if code[0] != "0" else "1") + code[1:]


def test_a_citizen_follows_their_request_and_complaint_without_seeing_anyones_data(api):
    req = api.letter_request()
    case_id, agenda, code = req["case_id"], req["agenda_number"], req["status_code"]
    assert len(code) == 8 and code.isalnum()
    api.letter_path_until_received(case_id)

    def shown(reference: str, code: str, want: int) -> dict:
        r = lookup(api, reference, code)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["steps"]) >= want, body
        return body

    body = eventually_sync(lambda: shown(agenda, code, 4), retry_on=TRANSIENT, timeout=30,
                           every=1)
    assert body["reference"] == agenda and body["status"] == "received"
    assert [s["step"] for s in body["steps"]] == [
        "Permohonan diterima", "Dicatat dalam buku agenda",
        "Didisposisikan oleh Kepala Dinas", "Diterima oleh bidang"]
    assert set(body) == {"reference", "status", "status_text", "steps"}
    text = r_text = lookup(api, agenda, code).text
    assert not [p for p in PERSONAL if p.lower() in text.lower()], r_text
    # the case id and a typed-in-lowercase, hyphenated code find it too
    assert lookup(api, case_id, f"{code[:4].lower()}-{code[4:]}").json()["status"] == "received"
    assert lookup(api, agenda, code, **{"Accept-Language": "en"}).json()["steps"][0][
        "step"] == "Request received"

    # a wrong code answers exactly as an unknown reference does
    bad_code, unknown = lookup(api, agenda, wrong(code)), lookup(api, "AUD/2026/999999", code)
    assert bad_code.status_code == unknown.status_code == 404
    assert bad_code.json() == {**unknown.json(), "instance": bad_code.json()["instance"]}
    assert bad_code.headers["content-type"] == "application/problem+json"
    # another case's code does not open this one
    other = api.letter_request()
    assert lookup(api, agenda, other["status_code"]).status_code == 404

    complaint = api.post("intake", "/complaints", "frontdesk", {
        "channel": "sp4n_lapor", "lapor_tracking_id": "LAPOR-2026-0077",
        "identity": {"kind": "KTP", "number": NIK}, "subject": "Pelayanan lambat",
        "content": "Petugas meminta uang"})
    tracking = complaint["tracking_id"]
    found = eventually_sync(lambda: shown(tracking, complaint["status_code"], 1),
                            retry_on=TRANSIENT, timeout=30, every=1)
    assert found["status"] == "filed" and found["steps"][0]["step"] == "Pengaduan diterima"
    assert "uang" not in lookup(api, tracking, complaint["status_code"]).text


def test_lookups_are_rate_limited_per_client_address(api):
    # the limit counts per fixed 60 s window: within two windows' worth the 429 comes
    answers = []
    for _ in range(2 * PUBLIC_STATUS_LIMIT + 5):
        answers.append(lookup(api, "AUD/2026/000001", "ABCDEFGH"))
        if answers[-1].status_code == 429:
            break
    statuses = [a.status_code for a in answers]
    assert set(statuses) == {404, 429} and statuses[-1] == 429, statuses
    again = lookup(api, "AUD/2026/000001", "ABCDEFGH")
    assert again.status_code == 429  # refused calls count too: hammering waits
    limited = answers[-1]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["content-type"] == "application/problem+json"
    assert "coba lagi" in limited.json()["detail"]
