"""Every service's OpenAPI declares the problem+json answers its operations can give
(chassis/openapi.py), so a client or the fuzzer can check every answer against it."""

from __future__ import annotations

import pytest

from chassis.openapi import PROBLEM_SCHEMA
from chassis.problems import PROBLEM_JSON
from chassis.settings import Settings
from services.disposition.app import build as build_disposition
from services.intake.app import build as build_intake
from services.reporting.app import build as build_reporting
from services.sla.app import build as build_sla

BUILDERS = {
    "intake": lambda d: build_intake(Settings(data_dir=d, env="test", keystore_url="memory://")),
    "disposition": lambda d: build_disposition(Settings(data_dir=d)),
    "sla": lambda d: build_sla(Settings(data_dir=d)),
    "reporting": lambda d: build_reporting(Settings(data_dir=d)),
}


@pytest.mark.parametrize("service", sorted(BUILDERS))
def test_every_operation_declares_its_problem_answers(service, tmp_path):
    spec = BUILDERS[service](tmp_path).openapi()
    assert spec["components"]["schemas"]["Problem"] == PROBLEM_SCHEMA
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            need = {"404", "422", "503"}
            if op.get("security"):
                need |= {"401", "403"}
            if method == "post":
                need |= {"409", "413"}
            assert need <= set(responses), (service, method, path)
            for status in need:
                assert list(responses[status]["content"]) == [PROBLEM_JSON], (path, status)


def test_the_schema_is_built_once(tmp_path):
    app = BUILDERS["disposition"](tmp_path)
    assert app.openapi() is app.openapi()
