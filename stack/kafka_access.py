"""Who may do what on the broker: one SASL/SCRAM principal per service, an `operator` for the
tools, and `admin` (the broker's own, super user) for set-up. Pure rules plus the two calls that
put them on a broker (users at format time, ACLs after every start).

Each service's principal may: everything on the topics it owns (`contracts.topics.WRITERS`,
its command topic and any `audiensi.<service>.*`), on its faust internals (`audiensi-<service>-*`
changelogs and consumer group); READ the topics it consumes (`contracts.topics.CONSUMES`); WRITE
dead letters; CREATE the public topics (whoever starts first creates them, with the settings
of `contracts.topics.topic_config`). Nothing else: a client without credentials is refused at
sign-in, and no service can write another's topic. `operator` may read and describe every topic.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.topics import CONSUMES, DEADLETTER, TOPICS, WRITERS

SERVICES = ("intake", "disposition", "sla", "reporting", "documents")
OPERATOR, ADMIN = "operator", "admin"
PRINCIPALS = (ADMIN, OPERATOR, *SERVICES)
MECHANISM = "SCRAM-SHA-512"

# Kafka's wire codes (org.apache.kafka.common.acl / resource)
TOPIC, GROUP, CLUSTER = 2, 3, 4
LITERAL, PREFIXED = 3, 4
ALL, READ, WRITE, CREATE, DESCRIBE, DESCRIBE_CONFIGS = 2, 3, 4, 5, 8, 10
ALLOW = 3


@dataclass(frozen=True)
class Rule:
    """One ACL: `principal` may `operation` on the resource (`name`, literal or prefix)."""

    principal: str
    resource: int
    name: str
    operation: int
    pattern: int = LITERAL


def rules_for(principal: str) -> list[Rule]:
    """The ACLs of one principal (none for `admin`: it is the broker's super user)."""
    if principal == OPERATOR:
        return [Rule(OPERATOR, TOPIC, "*", op) for op in (READ, DESCRIBE, DESCRIBE_CONFIGS)] + [
            Rule(OPERATOR, GROUP, "audiensi-operator", ALL, PREFIXED),
            Rule(OPERATOR, CLUSTER, "kafka-cluster", DESCRIBE)]
    if principal not in SERVICES:
        return []
    s = principal
    rules = [Rule(s, TOPIC, f"audiensi.{s}.", ALL, PREFIXED),
             Rule(s, TOPIC, f"audiensi-{s}", ALL, PREFIXED),
             Rule(s, GROUP, f"audiensi-{s}", ALL, PREFIXED),
             Rule(s, TOPIC, DEADLETTER, WRITE), Rule(s, TOPIC, DEADLETTER, DESCRIBE)]
    rules += [Rule(s, TOPIC, t, ALL) for t, writer in WRITERS.items() if writer == s]
    rules += [Rule(s, TOPIC, t, READ) for t in CONSUMES.get(s, ())]
    rules += [Rule(s, TOPIC, t, op) for t in TOPICS for op in (CREATE, DESCRIBE)]
    return sorted(set(rules), key=lambda r: (r.resource, r.name, r.operation))


def all_rules() -> list[Rule]:
    return [rule for p in PRINCIPALS for rule in rules_for(p)]


def load_credentials(path: Path, principals: tuple[str, ...] = PRINCIPALS) -> dict[str, str]:
    """Every principal's password, made once (random, 0600) and kept beside the broker's data,
    so a restart keeps them; a principal added later gets one too. (The Redis users too:
    `stack.redis_access`.)"""
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [p for p in principals if p not in known]
    if missing:
        known.update({p: secrets.token_urlsafe(24) for p in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1))
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return known


def client_settings(bootstrap: str, principal: str, password: str) -> dict[str, str]:
    """A principal's client settings in aiokafka's keyword names."""
    return {"bootstrap_servers": bootstrap, "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": MECHANISM, "sasl_plain_username": principal,
            "sasl_plain_password": password}


def scram_arguments(credentials: dict[str, str]) -> list[str]:
    """`kafka-storage format` arguments that create every principal's SCRAM credential."""
    out: list[str] = []
    for principal in PRINCIPALS:
        out += ["--add-scram", f"{MECHANISM}=[name={principal},password={credentials[principal]}]"]
    return out


async def apply_rules(admin, rules: list[Rule]) -> list[str]:
    """Create the ACLs on the broker `admin` (a started aiokafka admin client signed in as
    `admin`) is connected to; creating one that exists changes nothing. Returns the errors."""
    from aiokafka.protocol.admin import CreateAclsRequest

    errors = []
    for r in rules:
        request = CreateAclsRequest(r.resource, r.name, r.pattern, f"User:{r.principal}", "*",
                                    r.operation, ALLOW)
        # aiokafka has no public call for ACLs (only the protocol classes): the admin client's
        # request sender it uses for its own calls
        response = await admin._send_request(request)  # noqa: SLF001
        errors += [f"{r}: {code} {msg}" for code, msg in response.creation_responses if code]
    return errors


async def put_all_rules(**signin: Any) -> int:
    """Put every principal's ACLs on the broker, signed in with `signin` (aiokafka keywords;
    by default this process's principal, which must be admin). Returns how many rules there
    are; a refusal raises StackError."""
    from chassis.kafka import new_admin
    from stack.messages import StackError

    rules = all_rules()
    admin = new_admin(**{"request_timeout_ms": 15000, **signin})
    await admin.start()
    try:
        errors = await apply_rules(admin, rules)
    finally:
        await admin.close()
    if errors:
        raise StackError("kafka_acls_failed", errors="; ".join(errors[:5]))
    return len(rules)
