"""The broker lets nobody in without credentials, and each principal do only what its ACLs
say (stack/kafka_access.py): a service writes only its own topics and reads what it consumes;
the operator reads every topic and writes none."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAuthorizationFailedError

from chassis.kafka import ensure_topics
from contracts.topics import DISPOSITION, INTAKE, SLA, TOPICS, command_topic
from stack.kafka_access import PRINCIPALS
from stack.proc import ROOT


@pytest.fixture(scope="module")
async def topics(stack_env):
    await ensure_topics(stack_env.bootstrap, {**TOPICS, command_topic("intake"): 6})


def as_(stack_env, principal: str) -> dict:
    return stack_env.kafka.client_settings(principal)


async def produce(options: dict, topic: str) -> None:
    producer = AIOKafkaProducer(acks="all", request_timeout_ms=10000, **options)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"probe", key=b"security-probe")
    finally:
        await producer.stop()


async def read_first(options: dict, topic: str) -> None:
    consumer = AIOKafkaConsumer(enable_auto_commit=False, request_timeout_ms=10000, **options)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        await consumer.getmany(tp, timeout_ms=2000)
    finally:
        await consumer.stop()


async def test_a_client_without_credentials_gets_nothing(stack_env, topics):
    admin = AIOKafkaAdminClient(bootstrap_servers=stack_env.bootstrap, request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await admin.start()
        await admin.list_topics()
    await admin.close()
    with pytest.raises(KafkaConnectionError):
        await produce({"bootstrap_servers": stack_env.bootstrap}, INTAKE)


async def test_a_wrong_password_is_refused(stack_env, topics):
    options = {**as_(stack_env, "intake"), "sasl_plain_password": "guess"}
    with pytest.raises(KafkaError):
        await produce(options, INTAKE)


async def test_a_service_writes_its_own_topics_and_no_other(stack_env, topics):
    await produce(as_(stack_env, "intake"), INTAKE)  # its own: accepted
    await produce(as_(stack_env, "intake"), command_topic("intake"))
    for topic in (DISPOSITION, SLA, command_topic("disposition")):
        with pytest.raises(TopicAuthorizationFailedError):
            await produce(as_(stack_env, "intake"), topic)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(as_(stack_env, "reporting"), INTAKE)  # a reader, never a writer


async def visible_topics(options: dict) -> set[str]:
    consumer = AIOKafkaConsumer(request_timeout_ms=10000, **options)
    await consumer.start()
    try:
        return await consumer.topics()
    finally:
        await consumer.stop()


async def test_a_service_reads_what_it_consumes_and_nothing_else(stack_env, topics):
    await produce(as_(stack_env, "admin"), SLA)  # something to fetch
    await read_first(as_(stack_env, "disposition"), INTAKE)  # it consumes intake
    with pytest.raises(TopicAuthorizationFailedError):
        await read_first(as_(stack_env, "disposition"), SLA)
    with pytest.raises(TopicAuthorizationFailedError):
        await read_first(as_(stack_env, "intake"), SLA)
    seen = await visible_topics(as_(stack_env, "intake"))  # another's command topic: unseen
    assert command_topic("intake") in seen and command_topic("disposition") not in seen


async def test_the_operator_reads_every_topic_and_writes_none(stack_env, topics):
    for topic in [*TOPICS, command_topic("intake")]:
        await read_first(as_(stack_env, "operator"), topic)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(as_(stack_env, "operator"), INTAKE)


def test_kafka_config_prints_a_principals_client_settings(stack_env, topics):
    env = {**stack_env.env, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "stack.cli", "kafka-config", "--principal",
                          "operator"], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    config = json.loads(out)
    assert config == as_(stack_env, "operator")
    assert set(config) == {"bootstrap_servers", "security_protocol", "sasl_mechanism",
                           "sasl_plain_username", "sasl_plain_password"}
    refused = subprocess.run([sys.executable, "-m", "stack.cli", "kafka-config", "--principal",
                              "mallory"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "operator" in refused.stderr
    assert "mallory" not in PRINCIPALS


def test_kafka_setup_puts_the_topics_and_acls_on_a_broker_and_may_run_again(stack_env):
    from stack.kafka_access import all_rules

    env = {**stack_env.env, **stack_env.kafka.signin_env("admin"), "AUDIENSI_LANG": "en"}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "stack.cli", "kafka-setup"], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert f"{len(all_rules())} Kafka ACLs in place" in done.stdout
    as_operator = {**env, **stack_env.kafka.signin_env("operator")}
    refused = subprocess.run([sys.executable, "-m", "stack.cli", "kafka-setup"], cwd=ROOT,
                             env=as_operator, capture_output=True, text=True)
    assert refused.returncode != 0  # only admin may change the ACLs
