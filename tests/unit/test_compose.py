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


REDIS_NODES = [f"redis-{i}" for i in range(1, 7)]


def test_every_part_has_a_container():
    assert {"kafka", *REDIS_NODES, "redis-cluster", "topics", *DEFAULT_PORTS} <= set(SERVICES)


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
    assert env["AUDIENSI_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["AUDIENSI_REDIS_URL"] == "redis+cluster://redis-1:6379,redis-2:6379,redis-3:6379/0"
    assert f"{port}:{port}" in service["ports"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis-cluster"]["condition"] == \
        "service_completed_successfully"
    assert "redis" not in service["depends_on"]
    assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def test_ports_are_distinct():
    published = [p for s in SERVICES.values() for p in s.get("ports", [])]
    assert len(published) == len(set(published))


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


def _props() -> dict[str, str]:
    body = START.split("<<PROPS", 1)[1].split("PROPS", 1)[0]
    return dict(line.split("=", 1) for line in body.strip().splitlines())


def test_kafka_is_single_node_kraft_with_sign_in_on_every_listener():
    kafka = SERVICES["kafka"]
    assert kafka["image"] == "apache/kafka:4.0.2"
    assert "./deploy/kafka/start.sh:/opt/audiensi/start.sh:ro" in kafka["volumes"]
    props = _props()
    assert props["process.roles"] == "broker,controller"
    assert "CLIENT://kafka:9092" in props["advertised.listeners"]
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
    assert set(SERVICES["kafka"]["secrets"]) == {f"kafka_{p}_password" for p in PRINCIPALS}


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
                    ("intake", "disposition", "sla", "reporting")}
    assert [s["source"] for s in console["secrets"]] == ["console_session_secret"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(console["healthcheck"]["test"])


@pytest.mark.parametrize("name", KAFKA_SERVICES)
def test_each_service_signs_in_as_itself_with_only_its_own_secrets(name):
    service = SERVICES[name]
    env = _env(service)
    assert env["AUDIENSI_ENV"] == "production"
    assert env["AUDIENSI_KAFKA_PRINCIPAL"] == name
    expected = {f"kafka_{name}_password": "audiensi_kafka_password",
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
        assert "ping" in node["healthcheck"]["test"]
        args = node["command"]
        opts = dict(zip(args[1::2], args[2::2], strict=True))
        assert args[0] == "redis-server" and opts["--cluster-enabled"] == "yes"
        assert opts["--appendonly"] == "yes" and opts["--cluster-announce-hostname"] == name
        assert opts["--cluster-preferred-endpoint-type"] == "hostname"
        assert node["volumes"] == [f"{name}-data:/data"] and f"{name}-data" in COMPOSE["volumes"]
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
