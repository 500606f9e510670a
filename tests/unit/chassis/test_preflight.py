"""A service refuses to start with a clear message (not a stack trace) when its port is taken
or Kafka / Redis cannot be reached."""

import socket
import subprocess
import sys

import pytest

from chassis.preflight import problems
from chassis.settings import Settings
from tests.support.services import ROOT


@pytest.fixture
def listening():
    """Two loopback ports that accept connections (stand-ins for reachability only)."""
    socks = []
    for _ in range(2):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        socks.append(s)
    yield [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_to_report_when_all_is_reachable_and_the_port_free(listening):
    kafka, redis = listening
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{kafka}",
                        redis_url=f"redis://127.0.0.1:{redis}/0", intake_port=closed_port())
    assert problems(settings, "intake", wait=0) == []


def test_a_taken_port_names_the_variable_to_change(listening):
    kafka, redis = listening
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{kafka}",
                        redis_url=f"redis://127.0.0.1:{redis}/0", intake_port=kafka)
    (found,) = problems(settings, "intake", wait=0)
    assert "AUDIENSI_INTAKE_PORT" in found.en and str(kafka) in found.id


def test_a_cluster_is_reachable_when_one_of_its_seed_nodes_is(listening):
    kafka, node = listening
    seeds = f"127.0.0.1:{closed_port()},127.0.0.1:{node}"
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{kafka}",
                        redis_url=f"redis+cluster://{seeds}/0", intake_port=closed_port())
    assert problems(settings, "intake", wait=0) == []
    gone = Settings(kafka_bootstrap=f"127.0.0.1:{kafka}", intake_port=closed_port(),
                    redis_url=f"redis+cluster://127.0.0.1:{closed_port()}/0")
    (found,) = problems(gone, "intake", wait=0.6)
    assert "Redis" in found.en and "redis+cluster://" in found.en


def test_unreachable_kafka_and_redis_are_both_named():
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{closed_port()}",
                        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
                        intake_port=closed_port())
    found = problems(settings, "intake", wait=0.6)
    assert [("Kafka" in t.en, "Redis" in t.en) for t in found] == [(True, False), (False, True)]


def test_the_service_exits_with_status_2_and_the_message_only():
    env = {"AUDIENSI_KAFKA_BOOTSTRAP": f"127.0.0.1:{closed_port()}",
           "AUDIENSI_REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
           "AUDIENSI_STARTUP_WAIT": "0.5", "AUDIENSI_LANG": "en",
           "AUDIENSI_DISPOSITION_PORT": str(closed_port()), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "services.disposition"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Kafka is not reachable" in done.stderr and "Traceback" not in done.stderr


def test_a_cluster_with_its_first_broker_down_is_reachable(listening):
    """Any broker of the bootstrap list will do (a cluster with node 1 down still serves);
    only none answering is a problem."""
    kafka, redis = listening
    down = closed_port()
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{down},127.0.0.1:{kafka}",
                        redis_url=f"redis://127.0.0.1:{redis}/0", intake_port=closed_port())
    assert problems(settings, "intake", wait=0) == []
    nobody = Settings(kafka_bootstrap=f"127.0.0.1:{down},127.0.0.1:{closed_port()}",
                      redis_url=f"redis://127.0.0.1:{redis}/0", intake_port=closed_port())
    found = problems(nobody, "intake", wait=0)
    assert len(found) == 1 and "Kafka is not reachable" in found[0].en, found
