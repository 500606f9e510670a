"""Every query endpoint answers what the events imply (real Kafka, real Redis, the service as
a process). The expectations are worked out by hand from the histories below."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest

from services.reporting import scenarios as sc
from tests.support.auth import auth

pytestmark = pytest.mark.integration

T0 = sc.T0  # Monday 2 March 2026, 08:30 WIB
DAY = timedelta(days=1)
HISTORIES = {
    "c-closed": sc.letter_case("c-closed", at=T0, division="rehsos",
                               officer="petugas-rehsos-1", until="closed", n=1),
    "c-late": sc.letter_case("c-late", at=T0 + DAY, division="linjamsos",
                             officer="petugas-linjamsos-1", until="informed", breach=True, n=2,
                             name="Dewi Lestari"),
    "c-assigned": sc.letter_case("c-assigned", at=T0 + 2 * DAY, division="rehsos",
                                 officer="petugas-rehsos-2", until="assigned", n=3),
    "c-registered": sc.letter_case("c-registered", at=T0 + 3 * DAY, until="registered", n=4),
    "w-urgent": sc.walk_in_case("w-urgent", at=T0, late=True, n=5),
    "cp-1": sc.complaint("cp-1", at=T0, channel="website", closed=True),
    "cp-2": sc.complaint("cp-2", at=T0, channel="letter", closed=False),
    "v-1": sc.visit("v-1", at=T0),
}
PAGED = [f"p-{k:02d}" for k in range(12)]
for k, case in enumerate(PAGED):  # April, one a day: registered only
    HISTORIES[case] = sc.letter_case(case, at=T0 + (30 + k) * DAY, until="registered", n=10 + k)
CASES = {s for s in HISTORIES if s.startswith(("c-", "w-", "p-"))}


@pytest.fixture(scope="module")
async def loaded(reporting):
    await reporting.produce([e for envs in HISTORIES.values() for e in envs])
    await reporting.caught_up()
    return reporting


def walk(rep, user="analis", limit=5, **filters) -> list[dict]:
    items, cursor = [], None
    for _ in range(50):
        page = rep.ok("/cases", user, limit=limit, **filters, **({"cursor": cursor} if cursor
                                                                 else {}))
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination does not end")


def ids(items) -> list[str]:
    return [i["case_id"] for i in items]


def test_paging_walks_every_case_once_newest_first(loaded):
    items = walk(loaded, limit=5)
    assert sorted(ids(items)) == sorted(CASES)
    times = [i["requested_at"] for i in items]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("filters,expected", [
    ({"status": "closed"}, {"c-closed", "w-urgent"}),
    ({"status": "registered"}, {"c-registered", *PAGED}),
    ({"division": "rehsos"}, {"c-closed", "c-assigned", "w-urgent"}),
    ({"channel": "walk_in"}, {"w-urgent"}),
    ({"division": "rehsos", "status": "assigned"}, {"c-assigned"}),
    ({"from": "2026-03-03", "to": "2026-03-04"}, {"c-late", "c-assigned"}),
    ({"from": "2026-03-03T01:30:00Z", "to": "2026-03-04T01:30:00Z"}, {"c-late"}),
    ({"status": "closed", "from": "2026-04-01"}, set()),
])
def test_filters(loaded, filters, expected):
    assert set(ids(walk(loaded, limit=3, **filters))) == expected


def test_case_view_has_the_whole_timeline_and_no_identity_secrets(loaded):
    r = loaded.get("/cases/c-late", "kadis")
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["channel"], body["division"], body["officer_id"],
            body["agenda_number"]) == ("informed", "letter", "linjamsos", "petugas-linjamsos-1",
                                       "AUD/2026/000002")
    # the case detail carries no personal data (analysts read it): the case file does
    assert "applicant" not in body and "Dewi" not in r.text
    shown = loaded.ok("/cases/c-late/file", "kadis")["applicant"]
    assert shown["name"] == "Dewi Lestari" and shown["identity"]["masked"] == "1971**********02"
    events = sorted(HISTORIES["c-late"], key=lambda e: (e.time, e.source, e.sequence))
    assert [(t["id"], t["type"], t["source"]) for t in body["timeline"]] == [
        (e.id, e.type, e.source) for e in events]
    [clock] = body["clocks"]
    assert (clock["policy_id"], clock["state"]) == ("inform-applicant", "breached")
    assert [x["level"] for x in body["escalations"]] == [1, 2]
    assert "hmac:" not in r.text and "c2VhbGVk" not in r.text  # identity ref / sealed


def test_unknown_case_is_404_and_a_complaint_is_not_a_case(loaded):
    assert loaded.get("/cases/nope").status_code == 404
    assert loaded.get("/cases/cp-1").status_code == 404


def test_division_head_sees_only_their_division(loaded):
    assert set(ids(walk(loaded, "kabid-rehsos"))) == {"c-closed", "c-assigned", "w-urgent"}
    assert loaded.get("/cases/c-closed", "kabid-rehsos").status_code == 200
    assert loaded.get("/cases/c-late", "kabid-rehsos").status_code == 403
    r = loaded.get("/cases", "kabid-rehsos", division="linjamsos")
    assert r.status_code == 403 and "bidangnya sendiri" in r.json()["detail"]
    r = httpx.get(loaded.url + "/cases", params={"division": "linjamsos"},
                  headers={**auth("kabid-rehsos"), "Accept-Language": "en"})
    assert "own division" in r.json()["detail"]


def test_sla_stats(loaded):
    got = {p["policy_id"]: p for p in loaded.ok("/stats/sla", "ops")["policies"]}
    assert got["inform-applicant"] == {"policy_id": "inform-applicant", "started": 3, "met": 1,
                                       "breached": 1, "running": 1, "cancelled": 0,
                                       "compliance_pct": 50.0}
    assert got["direct-walk-in"] == {"policy_id": "direct-walk-in", "started": 1, "met": 0,
                                     "breached": 1, "running": 0, "cancelled": 0,
                                     "compliance_pct": 0.0}
    assert got["complaint-verify"]["started"] == 2 and got["complaint-verify"]["running"] == 1
    later = loaded.ok("/stats/sla", "kadis", **{"from": "2026-03-03",
                                                "policy": "inform-applicant"})["policies"]
    assert [(p["started"], p["breached"], p["running"]) for p in later] == [(2, 1, 1)]


def test_lead_times(loaded):
    steps = {s["step"]: s for s in loaded.ok("/stats/lead-times", "kadis")["steps"]}
    assert (steps["disposition"]["count"], steps["disposition"]["p50_seconds"]) == (3, 3600.0)
    assert (steps["inform"]["count"], steps["inform"]["p50_seconds"],
            steps["inform"]["p90_seconds"], steps["inform"]["max_seconds"]) == (
        2, 5 * 3600.0, 30 * 3600.0, 30 * 3600.0)
    assert steps["direction"]["max_seconds"] == 45 * 60.0
    assert (steps["closure"]["count"], steps["closure"]["max_seconds"]) == (2, 96 * 3600.0)
    first_day = {s["step"]: s["count"] for s in loaded.ok(
        "/stats/lead-times", **{"from": "2026-03-02", "to": "2026-03-02"})["steps"]}
    assert first_day["disposition"] == 1 and first_day["direction"] == 1


def test_workload(loaded):
    assert loaded.ok("/stats/workload", "ops") == {
        "divisions": [{"division": "linjamsos", "open_cases": 1},
                      {"division": "rehsos", "open_cases": 1}],
        "officers": [{"officer_id": "petugas-linjamsos-1", "division": "linjamsos",
                      "open_cases": 1},
                     {"officer_id": "petugas-rehsos-2", "division": "rehsos", "open_cases": 1}]}


def test_volume(loaded):
    months = loaded.ok("/stats/volume", by="month")["items"]
    assert months == [
        {"period": "2026-03", "requests": {"letter": 4, "walk_in": 1}, "requests_total": 5,
         "complaints": {"letter": 1, "website": 1}, "complaints_total": 2, "visits": 1},
        {"period": "2026-04", "requests": {"letter": 12}, "requests_total": 12,
         "complaints": {}, "complaints_total": 0, "visits": 0}]
    days = loaded.ok("/stats/volume", **{"from": "2026-03-02", "to": "2026-03-03"})["items"]
    assert [(d["period"], d["requests"], d["visits"]) for d in days] == [
        ("2026-03-02", {"letter": 1, "walk_in": 1}, 1), ("2026-03-03", {"letter": 1}, 0)]


def test_complaints_by_status(loaded):
    assert loaded.ok("/stats/complaints", "kadis")["by_status"] == {
        "filed": 1, "verified": 0, "responded": 0, "closed": 1, "rejected": 0}
    assert loaded.get("/stats/complaints", "ops").status_code == 403


def as_cell(value) -> str:
    return "" if value is None else ("true" if value is True else
                                     "false" if value is False else str(value))


@pytest.mark.parametrize("filters", [{}, {"division": "rehsos"}, {"status": "registered"}])
def test_csv_export_matches_the_query_api(loaded, filters):
    r = loaded.get("/exports/cases.csv", **filters)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in r.content
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    items = walk(loaded, limit=4, **filters)
    header = rows[0]
    assert rows[1:] == [[as_cell(i[c]) for c in header] for i in items]
    assert len(rows) == len(items) + 1


@pytest.mark.parametrize("path,user", [
    ("/stats/lead-times", "ops"), ("/stats/sla", "kabid-rehsos"), ("/stats/volume", "ops"),
    ("/exports/cases.csv", "kadis"), ("/escalations/stream", "analis"),
    ("/cases", "frontdesk"), ("/admin/projections", "analis"),
])
def test_wrong_role_is_403(loaded, path, user):
    r = loaded.get(path, user)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


def test_missing_or_bad_token_is_401(loaded):
    assert httpx.get(loaded.url + "/cases").status_code == 401
    r = httpx.get(loaded.url + "/cases", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401
    assert httpx.post(loaded.url + "/admin/projections/rebuild",
                      headers=auth("analis")).status_code == 403


@pytest.mark.parametrize("path,params,field", [
    ("/cases", {"status": "lost"}, "status"),
    ("/cases", {"channel": "fax"}, "channel"),
    ("/cases", {"division": "nowhere"}, "division"),
    ("/cases", {"limit": 0}, "limit"),
    ("/cases", {"cursor": "garbage"}, "cursor"),
    ("/cases", {"from": "kemarin"}, "from"),
    ("/cases", {"from": "2026-03-05", "to": "2026-03-01"}, "to"),
    ("/stats/volume", {"by": "week"}, "by"),
    ("/stats/sla", {"to": "2026-02-30"}, "to"),
])
def test_bad_input_is_422_naming_the_field(loaded, path, params, field):
    r = loaded.get(path, "analis", **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]
