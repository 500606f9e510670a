"""Who may do what on the local Redis (one server or every node of a Redis Cluster): one ACL
user per service, an `operator` for the tools, the tests and replication, and no default user.

A client that does not sign in is refused (`NOAUTH`), so a process on the host that finds the
port cannot read the read models, the clocks or the key store. Each service signs in as its
own user (the same names as its Kafka principal, `stack.kafka_access.SERVICES`): what it did is
visible as that user in `CLIENT LIST` and `ACL LOG`, and one service's password can be changed
without the others'. A service may run every data command on every key but none of the
`@dangerous` ones (FLUSHALL, CONFIG, KEYS, DEBUG, MONITOR, SHUTDOWN, MIGRATE, RESTORE, ...) and
may not flush the server's scripts: nothing a service does needs them, and a compromised
service could otherwise wipe or reconfigure the store. `operator` may do everything.

Passwords are made once (random, 0600) in `<redis home>/credentials.json` and kept, like the
Kafka credentials (`stack.kafka_access.load_credentials`). As for Kafka, a service is told
its user (`AUDIENSI_REDIS_USER`, set by `child_env` for the supervisor and the tests'
launcher) and finds its password in that file (`AUDIENSI_REDIS_CREDENTIALS`) or, in
production, in a docker secret (`AUDIENSI_REDIS_PASSWORD`): `chassis.redis.signed_url`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from stack.kafka_access import SERVICES, load_credentials

OPERATOR = "operator"
USERS = (OPERATOR, *SERVICES)
#: the ACL of a service user, after its password (`>…`): every key and channel, every
#: command but the dangerous ones and the script-cache flush
SERVICE_RULES = "~* &* +@all -@dangerous -script|flush -function|flush"
OPERATOR_RULES = "~* &* +@all"


def credentials(path: Path) -> dict[str, str]:
    """Every user's password (made on first use, kept in `path`)."""
    return load_credentials(path, USERS)


def acl_file(passwords: dict[str, str]) -> str:
    """The server's ACL file (`--aclfile`): the default user off, one line per user."""
    lines = ["user default off"]
    for user in USERS:
        rules = OPERATOR_RULES if user == OPERATOR else SERVICE_RULES
        lines.append(f"user {user} on >{passwords[user]} {rules}")
    return "\n".join(lines) + "\n"


def with_user(url: str, user: str, password: str) -> str:
    """`url` signed in as `user` (any user already in it replaced)."""
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{hosts}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def child_env(env: dict[str, str], service: str) -> dict[str, str]:
    """A child process's environment when this process holds the operator's URL of a Redis
    the stack started (`AUDIENSI_REDIS_CREDENTIALS` names its credentials file): the URLs
    (`AUDIENSI_REDIS_URL`, `AUDIENSI_KEYSTORE_URL`) without the operator, and a service's own
    user in `AUDIENSI_REDIS_USER` (its password is looked up in that file: chassis.redis).
    A process that is not a service (the console) gets no user: it does not use Redis.
    Any other environment is left as it is."""
    out = dict(env)
    path = out.get("AUDIENSI_REDIS_CREDENTIALS")
    if not path or not Path(path).exists():
        return out
    operator = load_credentials(Path(path), ()).get(OPERATOR)
    for key in ("AUDIENSI_REDIS_URL", "AUDIENSI_KEYSTORE_URL"):
        parts = urlsplit(out.get(key) or "")
        if (unquote(parts.username or ""), unquote(parts.password or "")) == (OPERATOR,
                                                                              operator):
            out[key] = without_user(out[key])
            if service in SERVICES:
                out["AUDIENSI_REDIS_USER"] = service
    return out


def without_user(url: str) -> str:
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, hosts, parts.path, parts.query, parts.fragment))
