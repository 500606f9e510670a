"""Local accounts: the users of `config/org.yaml` with argon2id password hashes.

Where the hashes come from: `AUDIENSI_CONSOLE_ACCOUNTS` (a YAML file `{user id: hash}`), or,
outside production only, the development seed: every active user of the organisation with
the password `audiensi`. In production the seed is refused (`SeedRefused`).

`python -m services.console.accounts hash` reads a password from stdin and prints its hash
for that file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chassis.org import Org, User

DEV_PASSWORD = "audiensi"
#: argon2id (the library's default type) with its RFC 9106 low-memory profile
HASHER = PasswordHasher()


class SeedRefused(RuntimeError):
    """The development seed (one known password for everyone) in production."""


@dataclass
class Accounts:
    org: Org
    hashes: dict[str, str]
    #: verified against when the user is unknown, so both take the same time
    _dummy: str = field(default_factory=lambda: HASHER.hash("not-a-password"))

    def verify(self, username: str, password: str) -> User | None:
        """The active user whose password this is, else None (argon2: slow on purpose;
        call it in a thread)."""
        stored = self.hashes.get(username)
        try:
            HASHER.verify(stored or self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if stored is None:
            return None
        try:
            user = self.org.user(username)
        except KeyError:
            return None
        return user if user.active else None


def dev_seed(org: Org, *, production: bool) -> dict[str, str]:
    """{user id: hash of `audiensi`} for every active user (one hash each, salted)."""
    if production:
        raise SeedRefused("AUDIENSI_ENV=production: the development accounts (password "
                          "'audiensi') are refused; set AUDIENSI_CONSOLE_ACCOUNTS")
    return {u.id: HASHER.hash(DEV_PASSWORD) for u in org.users if u.active}


def load_hashes(path: Path) -> dict[str, str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.startswith("$argon2id$")
            for k, v in data.items()):
        raise ValueError(f"{path}: expected a mapping of user id -> argon2id hash")
    return data


def load_accounts(org: Org, path: Path | None, *, production: bool) -> Accounts:
    hashes = load_hashes(path) if path else dev_seed(org, production=production)
    return Accounts(org, hashes)


def main(argv: list[str]) -> None:
    if argv[:1] != ["hash"]:
        sys.exit("usage: python -m services.console.accounts hash < password")
    print(HASHER.hash(sys.stdin.readline().rstrip("\n")))


if __name__ == "__main__":
    main(sys.argv[1:])
