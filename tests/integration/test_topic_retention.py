"""Every topic is created with explicit retention (the event log is the record: kept
forever), and a topic made before with the broker's default is brought to it."""

from __future__ import annotations

import uuid

from aiokafka.admin import NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from chassis.kafka import ensure_topics, new_admin
from contracts.topics import DISPOSITION, RETENTION_MS, command_topic, topic_config
from tests.support.waiting import eventually


async def described(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    admin = new_admin(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        got = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    finally:
        await admin.close()
    out = {}
    for response in got:
        for resource in response.resources:
            _, _, _, name, entries = resource[:5]
            out[name] = {e[0]: e[1] for e in entries}
    return out


def test_the_configs_say_what_the_docs_say():
    assert topic_config(DISPOSITION) == {"cleanup.policy": "delete", "retention.ms": "-1"}
    assert topic_config(command_topic("intake"))["retention.ms"] == str(RETENTION_MS["command"])
    assert topic_config("audiensi-disposition-cases-changelog") == {"cleanup.policy": "compact"}


async def test_topics_get_explicit_retention_also_when_they_existed(stack_env):
    fresh = f"audiensi.retention-{uuid.uuid4().hex[:6]}.commands.v1"
    old = DISPOSITION
    admin = new_admin(bootstrap_servers=stack_env.bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        if old not in existing:  # made the way a broker default would: no retention set
            await admin.create_topics([NewTopic(old, 6, 1)])
    finally:
        await admin.close()
    await ensure_topics(stack_env.bootstrap, {fresh: 1, old: 6})
    # the broker applies a committed config change to its own view a moment later
    configs = await eventually(lambda: described(stack_env.bootstrap, [fresh, old]),
                               lambda c: c[old]["retention.ms"] == "-1", timeout=10)
    assert configs[fresh]["retention.ms"] == str(RETENTION_MS["command"])
