"""The chassis' HTTP edges without a broker: auth, roles, problem+json, validation bodies."""

import time

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from chassis.auth import Principal, issue_token, require_roles
from chassis.i18n import Text
from chassis.problems import Conflict, install_problem_handlers
from chassis.settings import Settings

SETTINGS = Settings()


class Body(BaseModel):
    number: str = Field(pattern=r"^\d{16}$")


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/kadis-only")
    def kadis_only(body: Body, who: Principal = Depends(require_roles("head_of_office"))):
        return {"sub": who.sub}

    @app.post("/refuse")
    def refuse():
        raise Conflict(Text("Disposisi belum diterima", "Not received yet"))

    return app


@pytest.fixture(scope="module")
def client():
    return TestClient(make_app())


def token(roles, **kw):
    return issue_token(SETTINGS, sub="u1", name="U", roles=roles, **kw)


def hdr(tok):
    return {"Authorization": f"Bearer {tok}"}


def test_missing_token_is_401_problem(client):
    r = client.post("/kadis-only", json={"number": "1" * 16})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 401 and r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("bad", [
    "garbage",
    jwt.encode({"sub": "u", "exp": int(time.time()) + 60, "iss": "audiensi"},
               "a-wrong-secret-that-is-long-enough-for-hs256"),
    jwt.encode({"sub": "u", "exp": int(time.time()) - 60, "iss": "audiensi"},
               SETTINGS.jwt_secret),
])
def test_invalid_or_expired_token_is_401(client, bad):
    assert client.post("/kadis-only", json={}, headers=hdr(bad)).status_code == 401


def test_wrong_role_is_403(client):
    r = client.post("/kadis-only", json={"number": "1" * 16}, headers=hdr(token(["officer"])))
    assert r.status_code == 403
    assert "head_of_office" in r.json()["detail"]


def test_right_role_passes(client):
    r = client.post("/kadis-only", json={"number": "1" * 16},
                    headers=hdr(token(["head_of_office"])))
    assert r.status_code == 200 and r.json() == {"sub": "u1"}


def test_validation_error_names_the_field_and_never_echoes_the_input(client):
    secret = "3171234567890123x"
    r = client.post("/kadis-only", json={"number": secret}, headers=hdr(token(["head_of_office"])))
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == "number" and body["errors"][0]["reason"]
    assert secret not in r.text


def test_domain_refusal_is_409_in_indonesian_or_english(client):
    r = client.post("/refuse")
    assert r.status_code == 409 and r.json()["detail"] == "Disposisi belum diterima"
    assert r.json()["title"] == "Langkah ditolak"
    r = client.post("/refuse", headers={"Accept-Language": "en-US"})
    assert r.json()["detail"] == "Not received yet" and r.json()["title"] == "Step refused"
