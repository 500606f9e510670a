"""JWT bearer authentication and role rules.

HS256 with `AUDIENSI_JWT_SECRET` by default; RS256 via a JWKS URL when
`AUDIENSI_JWT_JWKS_URL` is set (an OIDC provider).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from .i18n import Text
from .problems import Forbidden, Unauthorized
from .settings import Settings, get_settings

ANY_STAFF = frozenset(
    {"front_office", "secretariat", "head_of_office", "division_head", "officer", "ops",
     "analyst", "admin"}
)


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)
    sub: str
    name: str = ""
    roles: tuple[str, ...] = ()
    division: str | None = None

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(set(self.roles) & set(roles))

    @property
    def role(self) -> str:
        return self.roles[0] if self.roles else ""


def issue_token(settings: Settings, *, sub: str, name: str, roles: list[str],
                division: str | None = None, ttl: int = 12 * 3600) -> str:
    now = int(time.time())
    claims = {"sub": sub, "name": name, "roles": roles, "iss": settings.jwt_issuer,
              "iat": now, "exp": now + ttl}
    if division:
        claims["division"] = division
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


@lru_cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def verify_token(token: str, settings: Settings) -> Principal:
    try:
        if settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ["RS256"]
        else:
            key, algorithms = settings.jwt_secret, [settings.jwt_algorithm]
        claims = jwt.decode(
            token, key, algorithms=algorithms, audience=settings.jwt_audience,
            issuer=settings.jwt_issuer, options={"require": ["sub", "exp"],
                                                 "verify_aud": bool(settings.jwt_audience)},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(Text(f"Token tidak valid: {exc}", f"Invalid token: {exc}")) from exc
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    return Principal(sub=str(claims["sub"]), name=str(claims.get("name", "")),
                     roles=tuple(roles), division=claims.get("division"))


def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(Text("Token Bearer diperlukan", "A Bearer token is required"))
    return verify_token(token.strip(), get_settings())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """Dependency: the caller has one of `roles` (else 403)."""
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(allowed):
            need = ", ".join(sorted(allowed))
            raise Forbidden(Text(
                f"Peran Anda tidak diizinkan; diperlukan salah satu dari: {need}",
                f"Your role is not allowed; one of these is required: {need}",
            ))
        return principal

    return check


def require_staff():
    return require_roles(*ANY_STAFF)
