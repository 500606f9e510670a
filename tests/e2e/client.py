"""Drive the system only through its HTTP API, as the front office, heads and officers do."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.support.auth import auth
from tests.support.letters import letter_body

#: a valid KTP NIK: Bangka Belitung (19), Pangkalpinang (71), district 01, born 15-08-1985
NIK = "1971011508850001"
RETRYABLE = {502, 503, 504}
#: what a check over the API may raise while the system has not got there yet (a missing key
#: or row, a service restarting): `eventually_sync(check, retry_on=TRANSIENT)` tries again
TRANSIENT = (AssertionError, KeyError, IndexError, ValueError, httpx.HTTPError)


class ApiError(AssertionError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url} -> "
                         f"{response.status_code}: {response.text[:500]}")
        self.response = response


class Api:
    """One caller of every service; commands carry an Idempotency-Key, and a command that
    could not be delivered (service restarting, 503) is sent again with the same key."""

    def __init__(self, urls: dict[str, str], retry_for: float = 0.0) -> None:
        self.urls = urls
        self.http = httpx.Client(timeout=30)
        self.retry_for = retry_for

    def call(self, method: str, service: str, path: str, user: str | None, *,
             body: Any = None, params: dict | None = None, expect: tuple[int, ...] = (200, 201),
             key: str | None = None, anonymous: bool = False, headers: dict | None = None,
             data: dict | None = None, files: dict | None = None) -> httpx.Response:
        """`headers`: the caller's own (instead of `user`'s token); `data`/`files`: a
        multipart body instead of JSON."""
        headers = dict(({} if anonymous else auth(user)) if headers is None else headers)
        if method == "POST":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        deadline = time.monotonic() + self.retry_for
        while True:
            try:
                r = self.http.request(method, self.urls[service] + path, json=body,
                                      params=params, headers=headers, data=data,
                                      files=files)
                if r.status_code not in RETRYABLE or time.monotonic() > deadline:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.3)
        if expect and r.status_code not in expect:
            raise ApiError(r)
        return r

    def post(self, service: str, path: str, user: str, body: Any = None, **kw) -> dict:
        return self.call("POST", service, path, user, body=body or {}, **kw).json()

    def get(self, service: str, path: str, user: str, **kw) -> dict:
        return self.call("GET", service, path, user, **kw).json()

    # -- the standard's steps -------------------------------------------------------------
    def visit(self, name: str = "Budi Santoso", number: str = NIK) -> str:
        body = {"name": name, "purpose": "audiensi bantuan sosial", "phone": "081234567890",
                "identity": {"kind": "KTP", "number": number,
                             "valid_until": str(date.today() + timedelta(days=3650))}}
        return self.post("intake", "/visits", "frontdesk", body)["visit_id"]

    def letter_request(self, name: str = "Budi Santoso") -> dict:
        return self.post("intake", "/requests", "sekretariat", letter_body(name))

    def walk_in_request(self, visit_id: str, urgent: bool = True) -> dict:
        body = {"channel": "walk_in", "urgent": urgent, "visit_id": visit_id,
                "applicant": {"name": "Siti Aminah"}, "purpose": "Anak terlantar, mendesak",
                "form": {"subject": "Perlindungan anak", "topics": ["anak"], "participants": 1}}
        return self.post("intake", "/requests", "frontdesk", body)

    def step(self, case_id: str, path: str, user: str, body: dict | None = None,
             **kw) -> dict:
        return self.post("disposition", f"/cases/{case_id}/{path}", user, body, **kw)

    def letter_path_until_received(self, case_id: str, division: str = "rehsos") -> None:
        self.step(case_id, "disposition", "kadis",
                  {"division": division, "instructions": "Mohon ditindaklanjuti"})
        self.step(case_id, "receipt", f"kabid-{division}")

    def inform(self, case_id: str, officer: str = "petugas-rehsos-1") -> dict:
        when = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        return self.step(case_id, "notification", officer,
                         {"channel": "telepon", "message": "Audiensi dijadwalkan",
                          "scheduled_for": when})

    def hold_report_forward_close(self, case_id: str, officer: str = "petugas-rehsos-1",
                                  head: str = "kabid-rehsos") -> None:
        self.step(case_id, "audience", officer,
                  {"held_at": datetime.now(UTC).isoformat(), "attendees": ["Pemohon"],
                   "accompanied_by": [], "documents_complete": True, "missing_documents": []})
        self.step(case_id, "report", officer,
                  {"summary": "Audiensi selesai", "advice": "Ajukan melalui desa",
                   "recommendations": ["Verifikasi DTKS"]})
        self.step(case_id, "report/forwarding", head)
        self.step(case_id, "closure", "kadis", {"outcome": "selesai"})


def read_sse(url: str, user: str, *, want: Callable[[list[dict]], bool],
             last_event_id: str | None = None, params: dict | None = None,
             timeout: float = 20.0) -> list[dict]:
    """Read Server-Sent Events until `want(events)` holds; each event {id, event, data}."""
    headers = auth(user)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    events: list[dict] = []
    current: dict = {}
    deadline = time.monotonic() + timeout
    with httpx.stream("GET", url, headers=headers, params=params,
                      timeout=httpx.Timeout(timeout, read=5.0)) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line == "":
                if "data" in current:
                    events.append(current)
                    if want(events):
                        return events
                current = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                current[field] = value.lstrip(" ")
            if time.monotonic() > deadline:
                break
    raise AssertionError(f"SSE: condition not met after {timeout}s; got {events}")
