"""RS256 tokens verified against a JWKS URL (an OIDC provider), served here on loopback."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chassis.auth import verify_token
from chassis.problems import Unauthorized
from chassis.settings import Settings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url():
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


def rs256(key, **claims) -> str:
    now = int(time.time())
    payload = {"sub": "kadis", "roles": ["head_of_office"], "iss": "https://sso.example",
               "aud": "audiensi", "iat": now, "exp": now + 60, **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "k1"})


def test_a_token_signed_by_the_providers_key_is_accepted(jwks_url):
    settings = Settings(jwt_jwks_url=jwks_url, jwt_issuer="https://sso.example",
                        jwt_audience="audiensi")
    who = verify_token(rs256(KEY, division="rehsos"), settings)
    assert who.sub == "kadis" and who.roles == ("head_of_office",) and who.division == "rehsos"


def test_a_token_signed_by_another_key_or_for_another_audience_is_refused(jwks_url):
    settings = Settings(jwt_jwks_url=jwks_url, jwt_issuer="https://sso.example",
                        jwt_audience="audiensi")
    with pytest.raises(Unauthorized):
        verify_token(rs256(OTHER), settings)
    with pytest.raises(Unauthorized):
        verify_token(rs256(KEY, aud="someone-else"), settings)
