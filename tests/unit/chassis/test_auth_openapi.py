"""The bearer token goes through FastAPI's `HTTPBearer`: the OpenAPI lists the `bearerAuth`
scheme on every authenticated route, and a missing token is still our own 401 problem+json."""

import importlib

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from chassis.auth import CurrentPrincipal, Principal, require_roles
from chassis.problems import install_problem_handlers
from chassis.settings import Settings

SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def tiny_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/me")
    def me(who: CurrentPrincipal):
        return {"sub": who.sub}

    @app.get("/kadis")
    def kadis(who: Principal = Depends(require_roles("head_of_office"))):
        return {"sub": who.sub}

    @app.get("/open")
    def open_route():
        return {}

    return app


def test_openapi_lists_the_bearer_scheme_on_authenticated_routes():
    spec = tiny_app().openapi()
    assert spec["components"]["securitySchemes"]["bearerAuth"].items() >= SCHEME.items()
    assert spec["paths"]["/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/kadis"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/open"]["get"]


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dTpw", "token"])
def test_a_missing_or_non_bearer_token_is_our_401_problem(header):
    client = TestClient(tiny_app())
    headers = {} if header is None else {"Authorization": header}
    r = client.get("/me", headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    body = r.json()
    assert body["type"].endswith("/unauthorized") and body["status"] == 401
    assert body["title"] == "Tidak terautentikasi"
    assert body["detail"] == "Token Bearer diperlukan" and body["instance"] == "/me"
    r = client.get("/me", headers={**headers, "Accept-Language": "en"})
    assert r.json()["detail"] == "A Bearer token is required"


@pytest.mark.parametrize("service", ["intake", "disposition", "sla", "reporting"])
def test_every_service_openapi_lists_the_bearer_scheme(service):
    # built, never started: no broker or Redis is reached
    app = importlib.import_module(f"services.{service}.app").build(Settings())
    spec = app.openapi()
    assert spec["components"]["securitySchemes"]["bearerAuth"].items() >= SCHEME.items()
    secured = [op for path in spec["paths"].values() for op in path.values()
               if op.get("security") == [{"bearerAuth": []}]]
    assert secured
