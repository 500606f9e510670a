"""The organisation file (`config/org.yaml`): divisions and users. Data, not code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

STAFF_ROLES = frozenset(
    {"front_office", "secretariat", "head_of_office", "division_head", "officer", "ops",
     "analyst", "admin"}
)


class Division(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    name: str


class User(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    name: str
    roles: list[str]
    division: str | None = None
    #: false for someone who left or is on long leave: kept for the record, no new work
    active: bool = True


class Org(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    divisions: list[Division]
    users: list[User]

    def user(self, user_id: str) -> User:
        for u in self.users:
            if u.id == user_id:
                return u
        raise KeyError(user_id)

    def division_ids(self) -> set[str]:
        return {d.id for d in self.divisions}

    def heads(self, division: str) -> list[User]:
        """The active heads (division_head) of `division`."""
        return [u for u in self.users
                if u.active and u.division == division and "division_head" in u.roles]


@lru_cache
def load_org(path: Path) -> Org:
    return Org.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
