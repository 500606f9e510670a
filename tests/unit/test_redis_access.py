"""The Redis users of the local stack (stack/redis_access.py: the ACL file, what each child
process is told) and how a process signs in with them (chassis.redis.signed_url)."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

from chassis.redis import signed_url
from chassis.settings import Settings
from stack import redis_access as access
from stack.kafka_access import SERVICES


def test_the_acl_file_turns_the_default_user_off_and_gives_every_service_a_user(tmp_path):
    passwords = access.credentials(tmp_path / "credentials.json")
    lines = access.acl_file(passwords).splitlines()
    assert lines[0] == "user default off"
    users = {line.split()[1]: line for line in lines[1:]}
    assert set(users) == {"operator", *SERVICES}
    for service in SERVICES:
        assert f">{passwords[service]} " in users[service]
        assert "-@dangerous" in users[service] and "-script|flush" in users[service]
    assert "-@dangerous" not in users["operator"]
    assert len(set(passwords.values())) == len(passwords)  # each its own


def test_credentials_are_made_once_and_kept(tmp_path):
    path = tmp_path / "credentials.json"
    first = access.credentials(path)
    assert access.credentials(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def stack_env(tmp_path) -> tuple[dict[str, str], dict[str, str]]:
    path = tmp_path / "credentials.json"
    pw = access.credentials(path)
    operator = access.with_user("redis+cluster://h1:1,h2:2/0", "operator", pw["operator"])
    return {"AUDIENSI_REDIS_URL": operator, "AUDIENSI_KEYSTORE_URL": operator,
            "AUDIENSI_REDIS_CREDENTIALS": str(path)}, pw


def test_a_service_is_told_its_own_user_and_signs_in_with_its_password(tmp_path):
    env, pw = stack_env(tmp_path)
    child = access.child_env(env, "sla")
    assert child["AUDIENSI_REDIS_URL"] == child["AUDIENSI_KEYSTORE_URL"] == \
        "redis+cluster://h1:1,h2:2/0"  # the operator's password is not passed on
    assert child["AUDIENSI_REDIS_USER"] == "sla"
    settings = Settings(redis_url=child["AUDIENSI_REDIS_URL"], redis_user="sla",
                        redis_credentials=child["AUDIENSI_REDIS_CREDENTIALS"])
    assert signed_url(settings.redis_url, settings) == \
        f"redis+cluster://sla:{pw['sla']}@h1:1,h2:2/0"
    console = access.child_env(env, "console")
    assert "AUDIENSI_REDIS_USER" not in console
    assert "operator" not in console["AUDIENSI_REDIS_URL"]


def test_the_environment_of_another_redis_is_left_as_it_is(tmp_path):
    env, _ = stack_env(tmp_path)
    foreign = {**env, "AUDIENSI_REDIS_URL": access.with_user("redis://h:7/0", "operator", "x"),
               "AUDIENSI_KEYSTORE_URL": "redis://h:8/0"}
    assert access.child_env(foreign, "intake") == foreign
    gone = {**env, "AUDIENSI_REDIS_CREDENTIALS": str(tmp_path / "missing.json")}
    assert access.child_env(gone, "intake") == gone


def test_a_password_from_a_secret_wins_and_a_url_with_a_user_is_kept(tmp_path):
    creds = tmp_path / "c.json"
    creds.write_text(json.dumps({"intake": "from-file"}))
    s = Settings(redis_user="intake", redis_password="a/b:c@d%e", redis_credentials=creds)
    parts = urlsplit(signed_url("redis://127.0.0.1:6380/0", s))
    assert (parts.username, parts.hostname, parts.port, unquote(parts.password)) == \
        ("intake", "127.0.0.1", 6380, "a/b:c@d%e")
    assert signed_url("redis://other:pw@h:1/0", s) == "redis://other:pw@h:1/0"
    assert signed_url("memory://", s) == "memory://"
    assert signed_url("sqlite:///tmp/k.db", s) == "sqlite:///tmp/k.db"
    assert signed_url("redis://h:1/0", Settings()) == "redis://h:1/0"  # no user configured
