"""Schemathesis against every service's OpenAPI, the whole system running (a Kafka, a Redis
and the four services of its own): every operation, cases generated from its schema, each
sent with a seeded user's token drawn for it (every role, and no token). Not one answer may
be a 5xx or break its own schema (status declared, content type, body).

The budget is `AUDIENSI_FUZZ_EXAMPLES` cases per operation: small here (CI), 1,000 with
`make fuzz`."""

from __future__ import annotations

import os

import httpx
import pytest

from stack.supervisor import SERVICES
from tests.integration.intake.support import NIK_3, ktp, letter_body, visit_body, walk_in_body
from tests.support.auth import auth
from tests.support.fuzzing import fuzz

EXAMPLES = int(os.environ.get("AUDIENSI_FUZZ_EXAMPLES", "15"))


def post(url: str, user: str, body: dict | None = None) -> dict:
    r = httpx.post(url, json=body, headers=auth(user), timeout=30)
    assert r.status_code in (200, 201), (url, r.status_code, r.text)
    return r.json()


@pytest.fixture(scope="module")
def known(system) -> dict[str, list[str]]:
    """Real cases and complaints for the generated cases to reach (a letter disposed, one
    only registered, an urgent walk-in, a complaint verified, a confidential one)."""
    intake, disposition = system.url("intake"), system.url("disposition")
    letters = [post(f"{intake}/requests", "frontdesk", letter_body())["case_id"]
               for _ in range(2)]
    post(f"{disposition}/cases/{letters[0]}/disposition", "kadis",
         {"division": "rehsos", "instructions": "Mohon ditindaklanjuti"})
    visit = post(f"{intake}/visits", "frontdesk", visit_body(NIK_3, name="Rina"))
    urgent = post(f"{intake}/requests", "frontdesk",
                  walk_in_body(visit["visit_id"], urgent=True))["case_id"]
    complaints = [post(f"{intake}/complaints", "frontdesk",
                       {"channel": "letter", "identity": ktp(NIK_3), "subject": "Layanan",
                        "content": "Belum dijawab.", "confidential": confidential})
                  for confidential in (False, True)]
    post(f"{intake}/complaints/{complaints[0]['complaint_id']}/verification", "sekretariat")
    return {"case_id": [*letters, urgent],
            "complaint_id": [c["complaint_id"] for c in complaints],
            "tracking_id": [c["tracking_id"] for c in complaints]}


@pytest.mark.timeout(max(600, EXAMPLES * 60))
@pytest.mark.parametrize("service", SERVICES)
def test_no_answer_is_a_server_error_or_breaks_its_schema(system, known, service):
    report = fuzz(service, system.url(service), EXAMPLES, known=known,
                  seed=None if EXAMPLES > 100 else 15)
    print(f"\n{service}: {sum(report.cases.values())} cases over {len(report.cases)} "
          f"operations in {report.seconds:.0f} s; statuses {dict(sorted(report.statuses.items()))}")
    # an operation with few inputs (/healthz: only the user drawn) runs out of distinct cases
    # before the budget: hypothesis stops when it has tried them all
    print("fewer cases than the budget (inputs exhausted):",
          {op: n for op, n in sorted(report.cases.items()) if n < EXAMPLES})
    assert len(report.cases) >= 3 and min(report.cases.values()) >= min(EXAMPLES, 5)
    assert report.server_errors == 0 and not report.failures, "\n".join(
        str(f) for f in report.failures)
