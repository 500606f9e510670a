"""Development tokens for the users of `config/org.yaml` (`audiensi token USER`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from stack.messages import StackError


def load_org(path: Path) -> dict[str, Any]:
    import yaml

    if not Path(path).is_file():
        raise StackError("org_missing", path=path)
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def claims_for(user_id: str, org: dict[str, Any], *, issuer: str, ttl_hours: float = 12.0,
               audience: str | None = None, now: float | None = None,
               org_path: Path | str = "config/org.yaml") -> dict[str, Any]:
    users = {str(u["id"]): u for u in org.get("users", [])}
    user = users.get(user_id)
    if user is None:
        raise StackError("unknown_user", user=user_id, path=org_path,
                         known=", ".join(sorted(users)) or "-")
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": user_id,
        "name": user.get("name", user_id),
        "roles": list(user.get("roles", [])),
        "iss": issuer,
        "iat": issued,
        "exp": issued + int(ttl_hours * 3600),
    }
    if user.get("division"):
        claims["division"] = user["division"]
    if audience:
        claims["aud"] = audience
    return claims


def make_token(user_id: str, *, ttl_hours: float = 12.0, now: float | None = None) -> str:
    import jwt

    from chassis.settings import get_settings

    settings = get_settings()
    org = load_org(settings.org_file)
    claims = claims_for(user_id, org, issuer=settings.jwt_issuer, ttl_hours=ttl_hours,
                        audience=settings.jwt_audience, now=now, org_path=settings.org_file)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
