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


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _field(var: str) -> str:
    return var.removeprefix("AUDIENSI_").lower()


def test_every_part_has_a_container():
    assert {"kafka", "redis", "topics", *DEFAULT_PORTS} <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(DEFAULT_PORTS))
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
    assert env["AUDIENSI_REDIS_URL"] == "redis://redis:6379/0"
    assert f"{port}:{port}" in service["ports"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
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


def test_kafka_is_single_node_kraft_on_the_bootstrap_port():
    kafka = SERVICES["kafka"]
    env = _env(kafka)
    assert kafka["image"] == "apache/kafka:4.0.2"
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])
    assert SERVICES["topics"]["command"] == ["audiensi", "topics"]


def test_redis_has_a_healthcheck():
    redis = SERVICES["redis"]
    assert redis["image"].startswith("redis:7")
    assert "ping" in redis["healthcheck"]["test"]


def test_dockerfile_runs_a_service_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.M)
    assert 'CMD ["python", "-m", "services.intake"]' in dockerfile
