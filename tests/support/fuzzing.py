"""Schemathesis against a running service: every operation of its OpenAPI, `examples`
generated cases each (hypothesis), each sent with the token of a seeded user drawn for it
(or none), every answer checked: no 5xx, a status the operation declares, the declared
content type, a body valid against the declared schema.

Failures are collected, not raised one by one, so one run reports every operation that
breaks its schema; `Report.failures` lists them (operation, user, status, which check).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chassis.org import load_org
from chassis.settings import get_settings
from tests.support.auth import auth

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
#: never ends by design (Server-Sent Events): not an operation a fuzzer can call
ENDLESS = frozenset({"/escalations/stream"})
KEPT = 5  # failures kept per operation


def seeded_users() -> list[str]:
    return [u.id for u in load_org(get_settings().org_file).users]


@dataclass
class Failure:
    operation: str
    user: str
    status: int
    check: str

    def __str__(self) -> str:
        return f"{self.operation} as {self.user or '(no token)'} -> {self.status}: {self.check}"


@dataclass
class Report:
    service: str
    cases: Counter = field(default_factory=Counter)  # operation -> cases sent
    statuses: Counter = field(default_factory=Counter)  # status -> answers
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


def fuzz(service: str, base_url: str, examples: int, users: list[str] | None = None,
         known: dict[str, list[str]] | None = None, seed: int | None = None,
         timeout: float = 30.0) -> Report:
    """Fuzz every operation of the service at `base_url`. `known`: values of path parameters
    that exist (case ids, complaint ids), drawn as often as a generated value each, so the
    cases also reach real things in their real states (an unknown id is a quick 404, or a
    few seconds' wait where a service waits for another's event)."""
    users = [*(users or seeded_users()), ""]  # "" = no token
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    report = Report(service)
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ENDLESS:
            continue
        _fuzz_operation(operation, base_url, examples, users, known or {}, report, seed,
                        timeout)
    report.seconds = time.monotonic() - started
    return report


def _cases(operation, known: dict[str, list[str]]):
    """The operation's strategy: generated, or with a known value of its path parameter."""
    names = [p.name for p in operation.path_parameters]
    strategies = [operation.as_strategy()]
    for name in names:
        strategies += [operation.as_strategy(path_parameters={name: value})
                       for value in known.get(name, [])]
    return st.one_of(strategies)


def _fuzz_operation(operation, base_url: str, examples: int, users: list[str],
                    known: dict[str, list[str]], report: Report, seed: int | None,
                    timeout: float) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    kept = 0

    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=_cases(operation, known), user=st.sampled_from(users))
    def run(case, user: str) -> None:
        nonlocal kept
        headers = auth(user) if user else {}
        if not user and case.headers:
            case.headers.pop("Authorization", None)
        response = case.call(base_url=base_url, headers=headers, timeout=timeout)
        report.cases[label] += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:  # noqa: BLE001 - a failed check, of any shape: collected
            if kept < KEPT:
                kept += 1
                report.failures.append(Failure(label, user, response.status_code,
                                               _summary(exc)))

    if seed is not None:
        run = hypothesis.seed(seed)(run)
    run()


def _summary(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:400]
