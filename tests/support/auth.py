"""Tokens for the seeded users of config/org.yaml."""

from __future__ import annotations

from chassis.auth import issue_token
from chassis.org import load_org
from chassis.settings import get_settings


def token_for(user_id: str, **override) -> str:
    settings = get_settings()
    user = load_org(settings.org_file).user(user_id)
    claims = dict(sub=user.id, name=user.name, roles=list(user.roles), division=user.division)
    claims.update(override)
    return issue_token(settings, **claims)


def auth(user_id: str, **override) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id, **override)}"}
