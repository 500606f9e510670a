"""docker-compose.yml and the Dockerfile agree with the code: every service, port, command
module and AUDIENSI_* variable they use exists in `chassis.settings`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from chassis.settings import DEFAULT_PORTS, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
FIELDS = set(Settings.model_fields)
#: the services on Kafka; the console (a backend-for-frontend) only calls their HTTP APIs
KAFKA_SERVICES = sorted(set(DEFAULT_PORTS) - {"console"})


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _field(var: str) -> str:
    return var.removeprefix("AUDIENSI_").lower()


KAFKA_NODES = ("kafka-1", "kafka-2", "kafka-3")
BOOTSTRAP = "kafka-1:9092,kafka-2:9092,kafka-3:9092"
REDIS_NODES = [f"redis-{i}" for i in range(1, 7)]
#: each service's replicas: one host port of its own range each (`--scale name=N`)
HOST_PORTS = {"intake": "8010-8019", "disposition": "8020-8029", "sla": "8030-8039",
              "reporting": "8040-8049", "documents": "8050-8059"}


def test_every_part_has_a_container():
    assert {*KAFKA_NODES, *REDIS_NODES, "redis-cluster", "topics", *DEFAULT_PORTS} <= set(
        SERVICES)


@pytest.mark.parametrize("name", KAFKA_SERVICES)
def test_service_container_matches_settings(name):
    service, port = SERVICES[name], DEFAULT_PORTS[name]
    assert service["command"] == ["python", "-m", f"services.{name}"]
    assert (ROOT / "services" / name / "__init__.py").is_file()
    env = _env(service)
    assert env[f"AUDIENSI_{name.upper()}_PORT"] == str(port)
    assert Settings(**{f"{name}_port": int(env[f"AUDIENSI_{name.upper()}_PORT"])}).port_for(
        name) == port
    assert env["AUDIENSI_HOST"] == "0.0.0.0"
    assert env["AUDIENSI_KAFKA_BOOTSTRAP"] == BOOTSTRAP
    assert env["AUDIENSI_REDIS_URL"] == "redis+cluster://redis-1:6379,redis-2:6379,redis-3:6379/0"
    assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    for node in KAFKA_NODES:
        assert service["depends_on"][node]["condition"] == "service_healthy"
    assert service["depends_on"]["redis-cluster"]["condition"] == \
        "service_completed_successfully"
    assert "redis" not in service["depends_on"]
    assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def _host_ports(spec: str) -> set[int]:
    host = spec.rsplit(":", 1)[0]
    low, _, high = host.partition("-")
    return set(range(int(low), int(high or low) + 1))


def test_ports_are_distinct():
    published = [p for s in SERVICES.values() for p in s.get("ports", [])]
    ranges = [_host_ports(p) for p in published]
    assert sum(map(len, ranges)) == len(set().union(*ranges))  # no host port twice


@pytest.mark.parametrize("name", KAFKA_SERVICES)
def test_every_service_scales_with_a_host_port_per_replica(name):
    """`docker compose up --scale <name>=N`: nothing that fixes one container (no
    container_name, no single host port), its own host port range, replicas found by name."""
    service, port = SERVICES[name], DEFAULT_PORTS[name]
    assert "container_name" not in service
    assert service["ports"] == [f"{HOST_PORTS[name]}:{port}"]


def test_topics_are_made_for_three_brokers():
    env = _env(SERVICES["topics"])
    assert env["AUDIENSI_KAFKA_BOOTSTRAP"] == BOOTSTRAP
    assert env["AUDIENSI_REPLICATION_FACTOR"] == "3"
    assert env["AUDIENSI_TOPIC_PARTITIONS"] == "12"
    for node in KAFKA_NODES:
        assert SERVICES["topics"]["depends_on"][node]["condition"] == "service_healthy"
    for name in KAFKA_SERVICES:  # every service declares its topics the same way
        env = _env(SERVICES[name])
        assert (env["AUDIENSI_REPLICATION_FACTOR"], env["AUDIENSI_TOPIC_PARTITIONS"]) == (
            "3", "12")


def test_every_audiensi_variable_is_a_setting():
    used = {var for s in SERVICES.values() for var in _env(s) if var.startswith("AUDIENSI_")}
    dockerfile = (ROOT / "Dockerfile").read_text()
    used |= set(re.findall(r"\b(AUDIENSI_[A-Z0-9_]+)=", dockerfile))
    unknown = sorted(var for var in used if _field(var) not in FIELDS)
    assert not unknown, f"not fields of chassis.settings.Settings: {unknown}"


def test_dependencies_exist_and_have_healthchecks():
    for name, service in SERVICES.items():
        for dep, rule in (service.get("depends_on") or {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[dep], f"{dep} has no healthcheck"


START = (ROOT / "deploy" / "kafka" / "start.sh").read_text()


def _props(node_id: int = 1) -> dict[str, str]:
    """deploy/kafka/start.sh's server.properties of node `node_id` (its shell variables
    filled in as the script fills them)."""
    body = START.split("<<PROPS", 1)[1].split("PROPS", 1)[0]
    voters = START.split('VOTERS="', 1)[1].split('"', 1)[0]
    body = body.replace("$NODE_ID", str(node_id)).replace("$VOTERS", voters)
    return dict(line.split("=", 1) for line in body.strip().splitlines())


def test_kafka_is_three_kraft_nodes_each_with_its_volume():
    volumes = set()
    for i, name in enumerate(KAFKA_NODES, start=1):
        node = SERVICES[name]
        assert node["image"] == "apache/kafka:4.0.2"
        assert _env(node)["NODE_ID"] == str(i)
        assert node["hostname"] == name
        assert "./deploy/kafka/start.sh:/opt/audiensi/start.sh:ro" in node["volumes"]
        data = [v for v in node["volumes"] if v.endswith(":/var/lib/kafka/data")]
        assert len(data) == 1 and data[0].split(":")[0] in COMPOSE["volumes"]
        volumes.add(data[0].split(":")[0])
        props = _props(i)
        assert props["node.id"] == str(i)
        assert props["controller.quorum.voters"] == (
            "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093")
        assert f"CLIENT://kafka-{i}:9092" in props["advertised.listeners"]
        assert f"2909{i}:2909{i}" in node["ports"]
    assert len(volumes) == 3
    assert len({_env(SERVICES[n])["CLUSTER_ID"] for n in KAFKA_NODES}) == 1
    props = _props()
    assert props["default.replication.factor"] == props["offsets.topic.replication.factor"] \
        == props["transaction.state.log.replication.factor"] == "3"
    assert props["min.insync.replicas"] == props["transaction.state.log.min.isr"] == "2"
    assert props["num.partitions"] == "12"
    assert props["unclean.leader.election.enable"] == "false"


def test_kafka_signs_in_on_every_listener():
    kafka = SERVICES["kafka-1"]
    props = _props()
    assert props["process.roles"] == "broker,controller"
    protocols = dict(p.split(":") for p in props["listener.security.protocol.map"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}  # no listener without sign-in
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin"
    assert props["auto.create.topics.enable"] == "false"
    assert "--command-config" in " ".join(kafka["healthcheck"]["test"])
    assert SERVICES["topics"]["command"] == ["audiensi", "kafka-setup"]


def test_every_principal_has_a_secret_and_a_scram_credential():
    from stack.kafka_access import PRINCIPALS

    script = START.split('PRINCIPALS="', 1)[1].split('"', 1)[0].split()
    assert tuple(script) == PRINCIPALS
    assert {f"kafka_{p}_password" for p in PRINCIPALS} <= set(COMPOSE["secrets"])
    for node in KAFKA_NODES:
        assert set(SERVICES[node]["secrets"]) == {f"kafka_{p}_password" for p in PRINCIPALS}


def test_console_container_calls_the_services_and_holds_no_kafka_secret():
    import json

    console, port = SERVICES["console"], DEFAULT_PORTS["console"]
    assert console["command"] == ["python", "-m", "services.console"]
    env = _env(console)
    assert env["AUDIENSI_CONSOLE_PORT"] == str(port) and f"{port}:{port}" in console["ports"]
    assert env["AUDIENSI_ENV"] == "production" and env["AUDIENSI_CONSOLE_ACCOUNTS"]
    assert not any(k.startswith(("AUDIENSI_KAFKA", "AUDIENSI_REDIS")) for k in env)
    urls = json.loads(env["AUDIENSI_SERVICE_URLS"])
    assert urls == {name: f"http://{name}:{DEFAULT_PORTS[name]}" for name in
                    ("intake", "disposition", "sla", "reporting", "documents")}
    assert [s["source"] for s in console["secrets"]] == ["console_session_secret"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(console["healthcheck"]["test"])


@pytest.mark.parametrize("name", KAFKA_SERVICES)
def test_each_service_signs_in_as_itself_with_only_its_own_secrets(name):
    service = SERVICES[name]
    env = _env(service)
    assert env["AUDIENSI_ENV"] == "production"
    assert env["AUDIENSI_KAFKA_PRINCIPAL"] == env["AUDIENSI_REDIS_USER"] == name
    expected = {f"kafka_{name}_password": "audiensi_kafka_password",
                f"redis_{name}_password": "audiensi_redis_password",
                f"command_key_{name}": "audiensi_command_key"}
    if name in ("intake", "disposition", "reporting", "documents"):  # the key store's holders
        expected["master_key"] = "audiensi_master_key"
    if name == "documents":  # and the object store's credentials
        expected["s3_access_key"] = "audiensi_s3_access_key"
        expected["s3_secret_key"] = "audiensi_s3_secret_key"
    assert {s["source"]: s["target"] for s in service["secrets"]} == expected
    assert env["AUDIENSI_SECRETS_DIR"] == "/run/secrets"


def test_the_object_store_takes_signed_requests_only_and_documents_waits_for_it():
    store = SERVICES["objectstore"]
    assert store["image"].startswith("chrislusf/seaweedfs:")
    assert "./deploy/objectstore/start.sh:/opt/audiensi/start.sh:ro" in store["volumes"]
    assert set(store["secrets"]) == {"s3_access_key", "s3_secret_key"}
    assert "ports" not in store  # only the documents service reaches it
    assert "/healthz" in " ".join(store["healthcheck"]["test"])
    script = (ROOT / "deploy" / "objectstore" / "start.sh").read_text()
    assert "-s3.config=" in script and "-s3.port=8333" in script
    documents = SERVICES["documents"]
    assert documents["depends_on"]["objectstore"]["condition"] == "service_healthy"
    env = _env(documents)
    assert env["AUDIENSI_S3_ENDPOINT"] == "http://objectstore:8333"
    assert "AUDIENSI_S3_SECRET_KEY" not in env  # a docker secret, not an environment value


def test_redis_is_a_cluster_of_three_masters_and_three_replicas():
    from chassis.redis import endpoints, is_cluster

    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    addresses = []
    for name in REDIS_NODES:
        node = SERVICES[name]
        assert node["image"].startswith("redis:7")
        assert "ping" in " ".join(node["healthcheck"]["test"])
        args = node["command"]  # redis-server's options (deploy/redis/start.sh runs it)
        opts = dict(zip(args[0::2], args[1::2], strict=True))
        assert opts["--cluster-enabled"] == "yes"
        assert opts["--appendonly"] == "yes" and opts["--cluster-announce-hostname"] == name
        assert opts["--cluster-preferred-endpoint-type"] == "hostname"
        assert node["volumes"][0] == f"{name}-data:/data" and f"{name}-data" in COMPOSE["volumes"]
        address = node["networks"]["default"]["ipv4_address"]
        assert address.startswith(subnet.rsplit(".", 1)[0] + ".")
        addresses.append(f"{address}:6379")
    assert "redis" not in SERVICES and "redis-data" not in COMPOSE["volumes"]
    create = SERVICES["redis-cluster"]
    assert set(create["depends_on"]) == set(REDIS_NODES)
    assert all(d["condition"] == "service_healthy" for d in create["depends_on"].values())
    script = (ROOT / "deploy" / "redis" / "create-cluster.sh").read_text()
    assert f'NODES=${{REDIS_NODES:-"{" ".join(addresses)}"}}' in script
    assert "--cluster-replicas 1" in script and "cluster_state:ok" in script
    url = COMPOSE["x-audiensi-env"]["AUDIENSI_REDIS_URL"]
    assert is_cluster(url) and {h for h, _ in endpoints(url)} <= set(REDIS_NODES)


def test_dockerfile_runs_a_service_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.M)
    assert 'CMD ["python", "-m", "services.intake"]' in dockerfile


def test_compose_secrets_writes_each_secret_once_and_keeps_them(tmp_path):
    from click.testing import CliRunner

    from stack.cli import cli

    folder = tmp_path / "secrets"
    assert CliRunner().invoke(cli, ["compose-secrets", "--dir", str(folder)]).exit_code == 0
    files = {p.name: p.read_text() for p in folder.iterdir()}
    assert set(files) == {Path(s["file"]).name for s in COMPOSE["secrets"].values()}
    assert len(set(files.values())) == len(files) and min(map(len, files.values())) >= 32
    assert all((folder / n).stat().st_mode & 0o077 == 0 for n in files)
    CliRunner().invoke(cli, ["compose-secrets", "--dir", str(folder)])
    assert {p.name: p.read_text() for p in folder.iterdir()} == files
    from chassis.keystore import master_key
    from chassis.settings import Settings

    assert len(master_key(Settings(master_key=files["master_key"]))) == 32


REDIS_START = (ROOT / "deploy" / "redis" / "start.sh").read_text()


def _script_value(name: str) -> str:
    return REDIS_START.split(f'{name}="', 1)[1].split('"', 1)[0]


def test_every_redis_node_signs_clients_in_with_the_stacks_users_and_rules():
    from stack import redis_access

    assert tuple(_script_value("USERS").split()) == redis_access.USERS
    assert _script_value("SERVICE_RULES") == redis_access.SERVICE_RULES
    assert _script_value("OPERATOR_RULES") == redis_access.OPERATOR_RULES
    secrets = {f"redis_{user}_password" for user in redis_access.USERS}
    assert secrets <= set(COMPOSE["secrets"])
    for name in REDIS_NODES:
        node = SERVICES[name]
        assert node["entrypoint"] == ["/bin/sh", "/opt/audiensi/start.sh"]
        assert "./deploy/redis/start.sh:/opt/audiensi/start.sh:ro" in node["volumes"]
        assert set(node["secrets"]) == secrets
        assert node["command"][0].startswith("--")  # redis-server's options, for start.sh
        check = " ".join(node["healthcheck"]["test"])
        assert "--user operator" in check and "redis_operator_password" in check
    assert SERVICES["redis-cluster"]["secrets"] == ["redis_operator_password"]
