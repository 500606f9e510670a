"""JWT hardening: production refuses weak secrets at start-up, JWKS needs an audience, a
token's lifetime is bounded, claims of the wrong type are 401 (never 500), and a 401 body
only ever holds our fixed texts. Tokens are made here with PyJWT."""

import json
import time

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from chassis.auth import CurrentPrincipal, verify_token
from chassis.problems import Unauthorized, install_problem_handlers
from chassis.settings import DEV_JWT_SECRET, Settings, get_settings

SECRET = "s" * 32
SETTINGS = Settings(jwt_secret=SECRET)
FIXED_TEXTS = {
    "Token tidak valid", "Invalid token", "Token sudah kedaluwarsa", "The token has expired",
    "Masa berlaku token melebihi batas yang diizinkan",
    "The token's lifetime exceeds the allowed maximum",
}


def claims(**over):
    now = int(time.time())
    base = {"sub": "u1", "name": "U", "roles": ["officer"], "iss": "audiensi",
            # hours, not minutes: parametrized payloads are made at collection, and a full
            # suite reaches these tests long after (a 10-minute token had expired by then)
            "iat": now, "exp": now + 6 * 3600}
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def hs256(secret=SECRET, **over) -> str:
    return jwt.encode(claims(**over), secret, algorithm="HS256")


def raw_hs256(payload, secret=SECRET) -> str:
    """Signed as is: PyJWT's encoder refuses some wrong types we must be able to send."""
    return jwt.PyJWS().encode(json.dumps(payload).encode(), secret, algorithm="HS256")


def refused(token: str, settings: Settings = SETTINGS) -> Unauthorized:
    with pytest.raises(Unauthorized) as info:
        verify_token(token, settings)
    return info.value


# (1) production refuses the development secret and short secrets


@pytest.mark.parametrize("env", ["production", "Production", " PRODUCTION "])
def test_production_refuses_the_development_secret(env):
    with pytest.raises(ValidationError, match="development AUDIENSI_JWT_SECRET"):
        Settings(env=env)
    with pytest.raises(ValidationError, match="development AUDIENSI_JWT_SECRET"):
        Settings(env=env, jwt_secret=DEV_JWT_SECRET)


@pytest.mark.parametrize("secret", ["short", "x" * 31, "é" * 15])
def test_production_refuses_an_hs256_secret_under_32_bytes(secret):
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        Settings(env="production", jwt_secret=secret)


KEY = "k" * 32  # a command key (chassis.signing), required in production too
MASTER = "bWFzdGVyLWtleS1vZi0zMi1ieXRlcy1mb3ItdGVzdHM="  # chassis.keystore, likewise
KEYS = dict(command_key=KEY, master_key=MASTER)


def test_production_accepts_a_real_secret_and_measures_bytes():
    assert Settings(env="production", jwt_secret="x" * 32, **KEYS).production
    assert Settings(env="production", jwt_secret="é" * 16, **KEYS).production
    with pytest.raises(ValidationError, match="shorter than 64 bytes"):
        Settings(env="production", jwt_secret="x" * 32, jwt_algorithm="HS512", **KEYS)


@pytest.mark.parametrize("key", [None, "k" * 31])
def test_production_needs_a_command_key_of_32_bytes(key):
    with pytest.raises(ValidationError, match="AUDIENSI_COMMAND_KEY"):
        Settings(env="production", jwt_secret="x" * 32, command_key=key, master_key=MASTER)


def test_the_environment_is_read_at_start_up(monkeypatch):
    monkeypatch.setenv("AUDIENSI_ENV", "production")
    monkeypatch.delenv("AUDIENSI_JWT_SECRET", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="AUDIENSI_ENV=production"):
            get_settings()  # what chassis.web.run reads before building a service
        monkeypatch.setenv("AUDIENSI_JWT_SECRET", "r" * 40)
        monkeypatch.setenv("AUDIENSI_COMMAND_KEY", "c" * 40)
        monkeypatch.setenv("AUDIENSI_MASTER_KEY", MASTER)
        get_settings.cache_clear()
        assert get_settings().production
    finally:
        get_settings.cache_clear()


def test_outside_production_the_development_secret_still_works():
    assert not Settings().production and Settings(jwt_secret="short").jwt_secret == "short"


def test_an_unknown_algorithm_is_refused():
    with pytest.raises(ValidationError):
        Settings(jwt_algorithm="none")


# (2) JWKS needs an audience


def test_jwks_without_an_audience_is_refused_at_start_up():
    with pytest.raises(ValidationError, match="AUDIENSI_JWT_AUDIENCE"):
        Settings(jwt_jwks_url="http://127.0.0.1:1/jwks.json")
    assert Settings(jwt_jwks_url="http://127.0.0.1:1/jwks.json", jwt_audience="audiensi")


def test_with_an_audience_configured_a_token_without_aud_is_refused():
    settings = Settings(jwt_secret=SECRET, jwt_audience="audiensi")
    assert verify_token(hs256(aud="audiensi"), settings).sub == "u1"
    refused(hs256(), settings)
    refused(hs256(aud="other"), settings)


# (3) a maximum lifetime


def test_a_token_within_the_maximum_lifetime_is_accepted():
    now = int(time.time())
    assert verify_token(hs256(iat=now, exp=now + 12 * 3600), SETTINGS).sub == "u1"


def test_a_token_living_longer_than_the_maximum_is_refused():
    now = int(time.time())
    problem = refused(hs256(iat=now, exp=now + 12 * 3600 + 1))
    assert problem.detail.en == "The token's lifetime exceeds the allowed maximum"
    refused(hs256(iat=now - 3600, exp=now + 365 * 86400))


def test_the_maximum_lifetime_is_a_setting(monkeypatch):
    now = int(time.time())
    short = Settings(jwt_secret=SECRET, jwt_max_lifetime=300)
    refused(hs256(iat=now, exp=now + 301), short)
    assert verify_token(hs256(iat=now, exp=now + 300), short).sub == "u1"
    monkeypatch.setenv("AUDIENSI_JWT_MAX_LIFETIME", "60")
    assert Settings().jwt_max_lifetime == 60
    with pytest.raises(ValidationError):
        Settings(jwt_max_lifetime=0)


@pytest.mark.parametrize("over", [
    {"iat": ...}, {"exp": ...}, {"iat": ..., "exp": ...},
    {"iat": "1700000000"}, {"iat": True}, {"exp": [1]},
    {"iat": int(time.time()) + 60, "exp": int(time.time()) + 30},  # exp before iat
])
def test_a_token_without_a_usable_iat_or_exp_is_refused(over):
    refused(hs256(**over))


# (4) claims of the wrong type


@pytest.mark.parametrize("over", [
    {"roles": 5}, {"roles": {"a": 1}}, {"roles": [1, 2]}, {"roles": ["officer", None]},
    {"sub": 3}, {"sub": ""}, {"sub": ...}, {"sub": ["u1"]},
    {"division": []}, {"division": 7}, {"name": 1}, {"name": {"x": 1}},
    {"iss": ...},
])
def test_claims_of_the_wrong_type_are_refused(over):
    problem = refused(hs256(**over))
    assert problem.detail.en == "Invalid token"


@pytest.mark.parametrize("payload", [
    claims(iss=5), claims(iss=["audiensi"]), claims(iat=1e400), ["not", "an", "object"], "s", 5,
])
def test_payloads_pyjwt_would_not_encode_are_refused(payload):
    assert refused(raw_hs256(payload)).detail.en == "Invalid token"


def test_well_typed_claims_are_read():
    who = verify_token(hs256(roles="officer", division="rehsos", name=None), SETTINGS)
    assert who.roles == ("officer",) and who.division == "rehsos" and who.name == ""
    assert verify_token(hs256(roles=None), SETTINGS).roles == ()


# (5) 401 bodies: fixed texts only, never a 500


@pytest.fixture(scope="module")
def client():
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/me")
    def me(who: CurrentPrincipal):
        return {"sub": who.sub}

    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(autouse=True)
def _auth_settings(monkeypatch):
    # current_principal reads get_settings(): the module's SETTINGS instead
    monkeypatch.setattr("chassis.auth.get_settings", lambda: SETTINGS)


BAD = {
    "garbage": "garbage",
    "three dots": "a.b.c",
    "bad base64": "eyJhbGciOiJIUzI1NiJ9.@@@.x",
    "wrong key": hs256(secret="w" * 40),
    "expired": hs256(iat=int(time.time()) - 600, exp=int(time.time()) - 60),
    "future iat": hs256(iat=int(time.time()) + 3600, exp=int(time.time()) + 7200),
    "other issuer": hs256(iss="someone"),
    "alg none": jwt.encode(claims(), None, algorithm="none"),
    "too long": hs256(exp=int(time.time()) + 30 * 86400),
    "roles 5": hs256(roles=5),
    "sub 3": hs256(sub=3),
    "division list": hs256(division=[]),
    "no iat": hs256(iat=...),
    "iss 5": raw_hs256(claims(iss=5)),
    "payload a list": raw_hs256([1, 2]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_refused_token_is_401_with_a_fixed_text(client, name):
    for lang in ("id", "en"):
        r = client.get("/me", headers={"Authorization": f"Bearer {BAD[name]}",
                                       "Accept-Language": lang})
        assert r.status_code == 401, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"
        body = r.json()
        assert set(body) == {"type", "title", "status", "detail", "instance"}
        assert body["detail"] in FIXED_TEXTS
        assert body["title"] in {"Tidak terautentikasi", "Not authenticated"}


def test_an_expired_token_says_so(client):
    r = client.get("/me", headers={"Authorization": f"Bearer {BAD['expired']}",
                                   "Accept-Language": "en"})
    assert r.json()["detail"] == "The token has expired"


def test_a_good_token_passes(client):
    r = client.get("/me", headers={"Authorization": f"Bearer {hs256()}"})
    assert r.status_code == 200 and r.json() == {"sub": "u1"}


def test_secrets_are_read_from_files_in_the_secrets_dir(monkeypatch, tmp_path):
    (tmp_path / "audiensi_kafka_password").write_text("from-a-file")
    (tmp_path / "audiensi_command_key").write_text("c" * 40)
    monkeypatch.setenv("AUDIENSI_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("AUDIENSI_KAFKA_PRINCIPAL", "intake")
    monkeypatch.delenv("AUDIENSI_KAFKA_PASSWORD", raising=False)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.kafka_password == "from-a-file" and settings.command_key == "c" * 40
        assert "from-a-file" not in repr(settings)
    finally:
        get_settings.cache_clear()
