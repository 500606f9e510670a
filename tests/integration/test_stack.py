"""The local stack itself: the real Kafka survives a restart, Redis answers, the supervisor
watches processes, and misconfiguration gives one clear message."""

from __future__ import annotations

import signal
import socket
import sys
import uuid

import jwt
import pytest
from aiokafka import TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from click.testing import CliRunner

from chassis.kafka import new_consumer, new_producer
from stack.cli import cli
from stack.kafka import KafkaServer, ensure_kafka_jars, find_java
from stack.messages import StackError
from stack.redis import RedisServer
from stack.supervisor import ServiceSpec, Supervisor
from stack.tail import mask
from stack.topics import describe_topics, ensure_topics
from tests.support.waiting import free_port


async def _read_all(bootstrap: str, topic: str, partitions: int) -> list[bytes]:
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        values: list[bytes] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                values.extend(r.value for r in records)
        return values
    finally:
        await consumer.stop()


async def test_kafka_restart_keeps_topics_and_messages(stack_env):
    topic = f"stack.restart.{uuid.uuid4().hex[:8]}"
    assert await ensure_topics(stack_env.bootstrap, {topic: 3}) == [topic]
    producer = new_producer(bootstrap_servers=stack_env.bootstrap, acks="all",
                                enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"before": "restart"}', key=b"case-1")
    finally:
        await producer.stop()

    await stack_env.kafka.astop()
    assert not stack_env.kafka.is_running
    await stack_env.kafka.astart()

    assert stack_env.kafka.is_running
    infos = {i.name: i for i in await describe_topics(stack_env.bootstrap)}
    assert infos[topic].partitions == 3 and infos[topic].messages == 1
    assert await _read_all(stack_env.bootstrap, topic, 3) == [b'{"before": "restart"}']
    assert await ensure_topics(stack_env.bootstrap, {topic: 3}) == []


async def test_broker_rejects_messages_over_one_megabyte(stack_env):
    topic = f"stack.big.{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack_env.bootstrap, {topic: 1})
    producer = new_producer(bootstrap_servers=stack_env.bootstrap, acks="all",
                                max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        with pytest.raises(MessageSizeTooLargeError):
            await producer.send_and_wait(topic, b"x" * (1024 * 1024 + 1024))
        await producer.send_and_wait(topic, b"x" * 1000)
    finally:
        await producer.stop()


def test_redis_answers_ping(stack_env):
    from chassis.redis import make_sync_redis

    assert stack_env.redis.ping()
    client = make_sync_redis(stack_env.redis_url)
    try:
        assert client.ping()
    finally:
        client.close()


def test_fixture_points_settings_at_the_stack(stack_env):
    from chassis.settings import get_settings

    settings = get_settings()
    assert settings.kafka_bootstrap == stack_env.bootstrap
    assert settings.redis_url == stack_env.redis_url
    assert settings.data_dir == stack_env.data_dir


def test_cli_topics_and_tail_mask_personal_data(stack_env):
    import asyncio

    topic = f"stack.tail.{uuid.uuid4().hex[:8]}"

    async def produce() -> None:
        await ensure_topics(stack_env.bootstrap, {topic: 2})
        producer = new_producer(bootstrap_servers=stack_env.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(
                topic, b'{"case_id": "c-1", "phone": "0812", "visitor": {"number": "1971"}}',
                key=b"c-1")
        finally:
            await producer.stop()

    asyncio.run(produce())
    runner = CliRunner()
    listed = runner.invoke(cli, ["topics", "--bootstrap", stack_env.bootstrap])
    assert listed.exit_code == 0, listed.output
    assert topic in listed.output
    shown = runner.invoke(cli, ["tail", topic, "--limit", "1", "--bootstrap", stack_env.bootstrap])
    assert shown.exit_code == 0, shown.output
    assert '"case_id": "c-1"' in shown.output and "0812" not in shown.output
    assert '"phone": "***"' in shown.output and "1971" not in shown.output


def test_port_taken_names_the_port_and_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StackError) as kafka_error:
            KafkaServer(tmp_path, port, free_port()).start()
        with pytest.raises(StackError) as redis_error:
            RedisServer(tmp_path, port).start()
    assert f"Port {port} (Kafka)" in str(kafka_error.value)
    assert "AUDIENSI_KAFKA_PORT" in str(kafka_error.value)
    assert f"Port {port} (Redis)" in str(redis_error.value)
    assert "AUDIENSI_REDIS_PORT" in str(redis_error.value)


def test_java_missing_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    with pytest.raises(StackError, match="openjdk-17-jre-headless"):
        KafkaServer(tmp_path, free_port(), java="/nonexistent/bin/java").start()
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StackError, match="Java not found"):
        find_java()


def test_maven_missing_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    with pytest.raises(StackError, match="apt-get install maven"):
        ensure_kafka_jars(cache=tmp_path, mvn="/nonexistent/bin/mvn")


def test_messages_are_indonesian_by_default(monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "id")
    assert "sudah dipakai" in str(StackError("port_taken", port=1, what="Kafka", env="X"))


def test_broker_not_ready_points_to_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    server = KafkaServer(tmp_path, free_port(), free_port())
    with pytest.raises(StackError, match="not ready") as error:
        server.start(timeout=0.01)
    assert str(server.log_file) in str(error.value)
    assert not server.is_running


def _static_server(port: int, root) -> ServiceSpec:
    (root / "readyz").write_text("ok")
    return ServiceSpec("static", port, [sys.executable, "-m", "http.server", str(port),
                                        "--bind", "127.0.0.1", "--directory", str(root)])


def test_supervisor_waits_kills_and_restarts_a_service(tmp_path):
    supervisor = Supervisor([_static_server(free_port(), tmp_path)], tmp_path)
    try:
        supervisor.start_all()
        supervisor.wait_ready(timeout=30)
        supervisor.kill("static", signal.SIGKILL)
        assert not supervisor.is_running("static")
        assert supervisor.exited() == {"static": -signal.SIGKILL}
        supervisor.start("static")
        supervisor.wait_ready(timeout=30)
        assert supervisor.is_running("static")
    finally:
        supervisor.stop_all()
    assert not supervisor.is_running("static")
    assert (tmp_path / "logs" / "static.log").exists()


def test_supervisor_names_the_service_that_is_not_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    crash = ServiceSpec("crashy", free_port(),
                        [sys.executable, "-c", "print('boom: no config'); raise SystemExit(3)"])
    slow = ServiceSpec("sleepy", free_port(), [sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor = Supervisor([crash, slow], tmp_path)
    try:
        supervisor.start_all()
        with pytest.raises(StackError, match="crashy") as crashed:
            supervisor.wait_ready(timeout=20, names=["crashy"])
        assert "boom: no config" in str(crashed.value)
        with pytest.raises(StackError, match="sleepy.*not ready"):
            supervisor.wait_ready(timeout=1, names=["sleepy"])
    finally:
        supervisor.stop_all()


def test_token_carries_the_org_claims(monkeypatch):
    from chassis.settings import get_settings

    runner = CliRunner()
    result = runner.invoke(cli, ["token", "kabid-rehsos"])
    assert result.exit_code == 0, result.output
    settings = get_settings()
    claims = jwt.decode(result.output.strip(), settings.jwt_secret, algorithms=["HS256"],
                        issuer=settings.jwt_issuer,
                        options={"verify_aud": settings.jwt_audience is not None},
                        audience=settings.jwt_audience)
    assert claims["sub"] == "kabid-rehsos"
    assert claims["roles"] == ["division_head"] and claims["division"] == "rehsos"
    assert claims["exp"] - claims["iat"] == 12 * 3600


def test_mask_hides_personal_fields_at_any_depth():
    event = {"data": {"visitor": {"name": "A", "phone": "0812", "contact": {"x": 1}},
                      "letter": {"number": "005/1", "ref": "R"}, "items": [{"sealed": "s"}]}}
    assert mask(event) == {"data": {"visitor": {"name": "A", "phone": "***", "contact": "***"},
                                    "letter": {"number": "***", "ref": "***"},
                                    "items": [{"sealed": "***"}]}}


def test_cluster_ids_never_look_like_an_option():
    from stack.kafka import new_cluster_id

    ids = {new_cluster_id() for _ in range(3000)}
    assert len(ids) == 3000
    assert not any(cid.startswith("-") or len(cid) != 22 for cid in ids)


def test_supervisor_reaps_a_service_left_by_a_killed_run_and_checks_ports(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    port = free_port()
    orphaned = Supervisor([_static_server(port, tmp_path)], tmp_path)
    orphaned.start_all()
    orphaned.wait_ready(timeout=30)
    old = orphaned.procs["static"]
    again = Supervisor([_static_server(port, tmp_path)], tmp_path)  # same data dir
    try:
        again.start_all()
        again.wait_ready(timeout=30)
        assert old.wait(10) is not None and again.procs["static"].pid != old.pid
    finally:
        again.stop_all()
        orphaned.stop_all()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        busy_port = busy.getsockname()[1]
        taken = Supervisor([ServiceSpec("static", busy_port, ["true"])], tmp_path)
        with pytest.raises(StackError, match=f"Port {busy_port} .*AUDIENSI_STATIC_PORT"):
            taken.start("static")
