"""OIDC sign-in (authorization code + PKCE S256) through authlib, where an issuer is set
(`AUDIENSI_CONSOLE_OIDC_ISSUER`, `..._CLIENT_ID`, `..._CLIENT_SECRET`).

authlib keeps the flow's state, nonce and PKCE verifier in the console's signed session
cookie between the redirect and the callback, checks the callback's `state`, exchanges the
code (with the verifier) and validates the ID token: signature (the issuer's JWKS), `iss`
(the configured issuer), `aud` (this client), `exp`/`iat`, `nonce`. The claim
`AUDIENSI_CONSOLE_OIDC_CLAIM` (default `preferred_username`) names the user of
`config/org.yaml`; `person()` maps it (pure)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from fastapi import Request

from chassis.org import Org, User
from chassis.settings import Settings

from .l10n import N_, Msg

log = logging.getLogger(__name__)

NAME = "sso"
CALLBACK = "/masuk/sso/callback"


class SsoRefused(Exception):
    """The provider's answer is not a sign-in, and the message that says why."""

    def __init__(self, message: Msg, **values: Any) -> None:
        super().__init__(message.msgid)
        self.message = message
        self.values = values


@dataclass
class Sso:
    settings: Settings
    oauth: OAuth

    @property
    def client(self):
        return self.oauth.create_client(NAME)

    def redirect_uri(self, request: Request) -> str:
        return self.settings.console_oidc_redirect_uri or str(request.url_for("sso_callback"))

    async def start(self, request: Request):
        """The redirect to the provider's authorization endpoint (state, nonce, S256)."""
        return await self.client.authorize_redirect(request, self.redirect_uri(request))

    async def finish(self, request: Request, org: Org) -> User:
        """The user the callback signs in, or SsoRefused."""
        issuer = self.settings.console_oidc_issuer
        try:
            token = await self.client.authorize_access_token(
                request, claims_options={"iss": {"essential": True, "values": [issuer]},
                                         "aud": {"essential": True,
                                                 "values": [self.settings.
                                                            console_oidc_client_id]},
                                         "exp": {"essential": True}})
        except OAuthError as exc:
            log.info("sso refused", extra={"error": exc.error,
                                           "description": exc.description})
            raise SsoRefused(N_("sso_failed")) from None
        except Exception as exc:  # the provider unreachable, a malformed or forged token
            log.warning("sso failed", extra={"error": repr(exc)})
            raise SsoRefused(N_("sso_failed")) from None
        claims = token.get("userinfo")
        if not claims:  # no ID token checked against the flow's nonce
            log.info("sso refused: no id token")
            raise SsoRefused(N_("sso_failed"))
        return person(org, claims, self.settings.console_oidc_claim)


def person(org: Org, claims: dict[str, Any], claim: str) -> User:
    """The active user of the org whose id the claim carries."""
    name = claims.get(claim)
    if not isinstance(name, str) or not name:
        raise SsoRefused(N_("sso_no_claim"), claim=claim)
    try:
        user = org.user(name)
    except KeyError:
        log.info("sso refused: unknown user", extra={"user": name})
        raise SsoRefused(N_("sso_unknown"), name=name) from None
    if not user.active:
        log.info("sso refused: inactive user", extra={"user": name})
        raise SsoRefused(N_("sso_unknown"), name=name)
    return user


def configure(settings: Settings) -> Sso | None:
    """The SSO client where an issuer is set (nothing is fetched yet: the discovery
    document is read on the first sign-in)."""
    issuer = settings.console_oidc_issuer
    if not issuer:
        return None
    if not settings.console_oidc_client_id:
        raise ValueError("AUDIENSI_CONSOLE_OIDC_ISSUER needs AUDIENSI_CONSOLE_OIDC_CLIENT_ID")
    oauth = OAuth()
    oauth.register(NAME, client_id=settings.console_oidc_client_id,
                   client_secret=settings.console_oidc_client_secret,
                   server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": settings.console_oidc_scope,
                                  "code_challenge_method": "S256"})
    return Sso(settings, oauth)
