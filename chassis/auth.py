"""JWT bearer authentication and role rules.

HS256 with `AUDIENSI_JWT_SECRET` by default; RS256 via a JWKS URL when
`AUDIENSI_JWT_JWKS_URL` is set (an OIDC provider; then the token's `aud` is required).

The token is read with FastAPI's `HTTPBearer` (so every service's OpenAPI lists the
`bearerAuth` scheme), but with `auto_error=False`: a missing token is our own 401
problem+json. A token is refused (401, fixed bilingual texts, never the library's message)
when its signature, issuer, audience or expiry is wrong, when it lacks `sub`, `iat` or `exp`,
when it lives longer than `AUDIENSI_JWT_MAX_LIFETIME` (exp - iat), or when a claim we read
has the wrong type.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Any

import jwt
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from .i18n import Text
from .problems import Forbidden, Unauthorized
from .settings import Settings, get_settings

log = logging.getLogger(__name__)

#: the OpenAPI security scheme of every service (`components.securitySchemes.bearerAuth`)
bearer_scheme = HTTPBearer(
    scheme_name="bearerAuth", bearerFormat="JWT", auto_error=False,
    description="`Authorization: Bearer <JWT>` (HS256 of AUDIENSI_JWT_SECRET, or RS256 of "
                "the provider at AUDIENSI_JWT_JWKS_URL)",
)

TOKEN_MISSING = Text("Token Bearer diperlukan", "A Bearer token is required")
TOKEN_INVALID = Text("Token tidak valid", "Invalid token")
TOKEN_EXPIRED = Text("Token sudah kedaluwarsa", "The token has expired")
TOKEN_TOO_LONG = Text("Masa berlaku token melebihi batas yang diizinkan",
                      "The token's lifetime exceeds the allowed maximum")


class TokenRefused(Exception):
    """Internal: a decoded token is refused; `reason` is logged, `text` answered."""

    def __init__(self, reason: str, text: Text = TOKEN_INVALID) -> None:
        super().__init__(reason)
        self.text = text

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
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


@lru_cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def _decode(token: str, settings: Settings) -> dict[str, Any]:
    if settings.jwt_jwks_url:
        key: Any = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
        algorithms = ["RS256"]
    else:
        key, algorithms = settings.jwt_secret, [settings.jwt_algorithm]
    required = ["sub", "iat", "exp"]
    if settings.jwt_audience or settings.jwt_jwks_url:
        required.append("aud")
    return jwt.decode(
        token, key, algorithms=algorithms, audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": required,
                 "verify_aud": bool(settings.jwt_audience or settings.jwt_jwks_url)},
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_lifetime(claims: dict[str, Any], settings: Settings) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not (_is_number(iat) and _is_number(exp)):
        raise TokenRefused("iat and exp must be numbers")
    if exp <= iat:
        raise TokenRefused("exp is not after iat")
    if exp - iat > settings.jwt_max_lifetime:
        raise TokenRefused("lifetime over the maximum", TOKEN_TOO_LONG)


def _principal(claims: dict[str, Any]) -> Principal:
    sub, name = claims.get("sub"), claims.get("name", "")
    roles, division = claims.get("roles"), claims.get("division")
    if not isinstance(sub, str) or not sub.strip():
        raise TokenRefused("sub is not a non-empty string")
    if name is None:
        name = ""
    if not isinstance(name, str):
        raise TokenRefused("name is not a string")
    if roles is None:
        roles = []
    elif isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise TokenRefused("roles is not a string or a list of strings")
    if division is not None and not isinstance(division, str):
        raise TokenRefused("division is not a string")
    return Principal(sub=sub, name=name, roles=tuple(roles), division=division)


def verify_token(token: str, settings: Settings) -> Principal:
    """The token's principal, or `Unauthorized` with a fixed text (the reason is logged)."""
    try:
        claims = _decode(token, settings)
        _check_lifetime(claims, settings)
        return _principal(claims)
    except jwt.ExpiredSignatureError as exc:
        _log_refusal(exc)
        raise Unauthorized(TOKEN_EXPIRED) from None
    except TokenRefused as exc:
        _log_refusal(exc, str(exc))
        raise Unauthorized(exc.text) from None
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        # PyJWTError covers the JWKS client's errors too; the others: a malformed key or claim
        _log_refusal(exc)
        raise Unauthorized(TOKEN_INVALID) from None


def _log_refusal(exc: Exception, reason: str = "") -> None:
    # the exception's class only: a library's message may quote parts of the token
    log.info("bearer token refused", extra={"error": type(exc).__name__, "reason": reason})


async def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """On the event loop (a plain `def` dependency would be a hand-off to a worker thread
    per request); only a JWKS look-up, which may go over the network, goes to a thread."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise Unauthorized(TOKEN_MISSING)
    settings = get_settings()
    if settings.jwt_jwks_url:
        return await asyncio.to_thread(verify_token, token, settings)
    return verify_token(token, settings)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """Dependency: the caller has one of `roles` (else 403)."""
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
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
