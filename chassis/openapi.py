"""Every service's OpenAPI says what it really answers: the problem+json bodies (RFC 9457)
of the chassis, with the statuses each operation can give, so a client (and the fuzzer,
`make fuzz`) can check every answer against the schema.

- every operation: 404 (unknown thing or route), 422 (the input, or a malformed
  `Idempotency-Key` refused before the route), 503 (broker or reply timed out,
  `Retry-After`);
- an operation with the bearer scheme: 401 and 403;
- an operation that takes a body or changes something: 409 (a rule of the standard
  refused it) and 413 (the body limit, before parsing and authentication).
FastAPI's own 422 (`HTTPValidationError`, `application/json`) is replaced: our 422 is a
problem.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from .problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "reason"],
            "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}},
    },
}
DESCRIPTIONS = {
    "401": "No valid bearer token",
    "403": "The caller's role, division or assignment does not allow it",
    "404": "Not found",
    "409": "A rule of the standard refused it; nothing written",
    "413": "The body is over the limit",
    "422": "Invalid input (the fields and why; values are never echoed)",
    "503": "Temporarily unavailable; retry after Retry-After seconds",
}
CHANGES = frozenset({"post", "put", "patch", "delete"})


def statuses(method: str, operation: dict[str, Any]) -> list[str]:
    found = ["404", "422", "503"]
    if operation.get("security"):
        found += ["401", "403"]
    if method in CHANGES or "requestBody" in operation:
        found += ["409", "413"]
    return sorted(found)


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (an OpenAPI document) with the problem answers declared on every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = {"$ref": "#/components/schemas/Problem"}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method.startswith("x-"):
                continue
            responses = operation.setdefault("responses", {})
            for status in statuses(method, operation):
                responses[status] = {"description": DESCRIPTIONS[status],
                                     "content": {PROBLEM_JSON: {"schema": ref}}}
    return schema


def declare_problems(api: FastAPI) -> None:
    """Make `api.openapi()` declare the problem answers (built once, then cached)."""
    build = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = add_problem_responses(build())
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
