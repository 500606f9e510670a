"""A single-node Apache Kafka (KRaft, broker+controller) run from its Maven Central jars.

    server = KafkaServer(data_dir, port=9092)   # data under <data_dir>/kafka
    server.start()                              # resolve jars once, format once, wait until ready
    server.stop()                               # SIGTERM, then SIGKILL after a timeout
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from chassis.kafka import min_insync_replicas, new_admin
from stack import kafka_access as access
from stack.messages import StackError
from stack.proc import (
    cache_dir,
    reap_stale,
    require_free_port,
    run_async,
    spawn,
    tail,
    terminate,
    write_pid,
)

KAFKA_VERSION = "4.0.2"
HERE = Path(__file__).resolve().parent / "kafka"
POM = HERE / "pom.xml"
LOG4J_CONFIG = HERE / "log4j2.properties"
JVM_OPTS = [
    "-Xms256m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:CICompilerCount=2",
    "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
]


def kafka_home(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / f"kafka-{KAFKA_VERSION}"


def ensure_kafka_jars(cache: Path | None = None, mvn: str = "mvn") -> Path:
    """Resolve the broker jars with Maven into `<cache>/kafka-<version>/libs` once; a marker
    (the pom's hash) says the copy is complete. Returns the libs directory."""
    home = kafka_home(cache)
    libs, marker = home / "libs", home / ".resolved"
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == digest:
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be resolving right now
        if marker.exists() and marker.read_text() == digest:
            return libs
        mvn_path = shutil.which(mvn)
        if mvn_path is None:
            raise StackError("maven_missing")
        partial = home / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        done = subprocess.run(
            [mvn_path, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
             f"-DoutputDirectory={partial}"],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip().splitlines()
            raise StackError("maven_failed", code=done.returncode, tail="\n".join(output[-15:]))
        shutil.rmtree(libs, ignore_errors=True)
        partial.rename(libs)
        marker.write_text(digest)
    return libs


def find_java(java: str | None = None) -> str:
    """The java executable to use: `java`, else $JAVA_HOME/bin/java, else `java` on PATH."""
    candidate = java
    if candidate is None and os.environ.get("JAVA_HOME"):
        candidate = str(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    candidate = candidate or "java"
    path = shutil.which(candidate)
    if path is None:
        raise StackError("java_missing", java=candidate)
    try:
        out = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StackError("java_missing", java=f"{path}: {exc}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if match:
        major = int(match.group(1)) if match.group(1) != "1" else int(match.group(2) or 0)
        if major < 17:
            raise StackError("java_too_old", java=path, version=major)
    return path


def new_cluster_id() -> str:
    """A Kafka cluster id (base64url UUID); like Kafka's own, never starting with '-'."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaServer:
    """One local broker. Its data, logs and cluster id live under `<data_dir>/kafka`, so a
    stop and start keeps every topic and message.

    Clients sign in with SASL/SCRAM (`stack.kafka_access`: one principal per service,
    `operator`, `admin`; passwords in `<data_dir>/kafka/credentials.json`) and the broker's
    ACLs say what each may do; no listener accepts a client without credentials."""

    def __init__(self, data_dir: Path | str, port: int = 9092, controller_port: int | None = None,
                 *, host: str = "127.0.0.1", java: str | None = None, mvn: str = "mvn",
                 cache: Path | None = None, port_env: str = "AUDIENSI_KAFKA_PORT",
                 controller_port_env: str = "AUDIENSI_KAFKA_CONTROLLER_PORT",
                 node_id: int = 1, voters: str | None = None, cluster_size: int = 1,
                 home: Path | None = None, shared: Path | None = None,
                 heap: str = "768m", launcher: list[str] | None = None) -> None:
        self.home = Path(home) if home is not None else Path(data_dir) / "kafka"
        # credentials and cluster id: one set for every node of a cluster (`stack.kafka_cluster`)
        self.shared = Path(shared) if shared is not None else self.home
        self.host, self.port = host, port
        self.controller_port = controller_port or port + 1
        self.node_id, self.cluster_size = node_id, cluster_size
        self.voters = voters or f"{node_id}@{host}:{self.controller_port}"
        self.heap = heap
        # prepended to the JVM's argv; it must exec it (the pid stays the JVM's): e.g. `ip
        # netns exec NS`, a node in a network namespace of the fault run's (`tests/chaos`)
        self.launcher = list(launcher or [])
        self.java, self.mvn, self.cache = java, mvn, cache
        self.port_env, self.controller_port_env = port_env, controller_port_env
        self._proc: subprocess.Popen[bytes] | None = None
        self.started_in: float | None = None  # seconds the last start() took

    bootstrap = property(lambda self: f"{self.host}:{self.port}")
    log_file = property(lambda self: self.home / "server.log")
    out_file = property(lambda self: self.home / "kafka.out")
    properties_file = property(lambda self: self.home / "server.properties")
    pid_file = property(lambda self: self.home / "kafka.pid")
    credentials_file = property(lambda self: self.shared / "credentials.json")
    cluster_id_file = property(lambda self: self.shared / "cluster.id")

    @property
    def credentials(self) -> dict[str, str]:
        return access.load_credentials(self.credentials_file)

    def signin_env(self, principal: str = access.ADMIN) -> dict[str, str]:
        """The AUDIENSI_* variables that make a process sign in as `principal`."""
        return {"AUDIENSI_KAFKA_PRINCIPAL": principal,
                "AUDIENSI_KAFKA_CREDENTIALS": str(self.credentials_file)}

    def client_settings(self, principal: str = access.ADMIN) -> dict[str, str]:
        """`principal`'s client settings in aiokafka's keyword names."""
        return access.client_settings(self.bootstrap, principal, self.credentials[principal])

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.is_running else None

    def start(self, timeout: float = 90.0) -> float:
        """Start and wait until the broker answers metadata requests. Returns the seconds taken."""
        if self.is_running:
            return 0.0
        began = time.monotonic()
        self.launch()
        try:
            self.wait_ready(timeout)
            run_async(lambda: access.put_all_rules(**self.client_settings()))
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self.started_in

    def launch(self) -> None:
        """Format once and spawn the JVM, without waiting (a cluster launches every node before
        any can be ready: a controller needs a quorum of its peers)."""
        if self.is_running:
            return
        java = find_java(self.java)
        libs = ensure_kafka_jars(self.cache, self.mvn)
        self.home.mkdir(parents=True, exist_ok=True)
        self.shared.mkdir(parents=True, exist_ok=True)
        reap_stale(self.pid_file, str(self.properties_file))
        if not self.launcher:  # (elsewhere, e.g. in a namespace: its host is not ours)
            require_free_port(self.port, "Kafka", self.port_env, self.host)
            require_free_port(self.controller_port, "Kafka controller",
                              self.controller_port_env, self.host)
        self.properties_file.write_text(self.server_properties())
        classpath = f"{libs}/*"
        self._format(java, classpath)
        argv = [*self.launcher, java, *self._jvm_opts(), *self._log_opts(), "-cp", classpath,
                "kafka.Kafka", str(self.properties_file)]
        self._proc = spawn(argv, self.out_file, cwd=self.home)
        write_pid(self.pid_file, self._proc.pid)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the broker (SIGKILL: a crash, no controlled shutdown) and reap it."""
        if self.is_running:
            self._proc.send_signal(sig)
            self._proc.wait(30)
        self._proc = None
        self.pid_file.unlink(missing_ok=True)

    def stop(self, timeout: float = 30.0) -> int | None:
        code = terminate(self._proc, timeout)
        self._proc = None
        self.pid_file.unlink(missing_ok=True)
        return code

    def restart(self, timeout: float = 90.0) -> float:
        self.stop()
        return self.start(timeout)

    async def astart(self, timeout: float = 90.0) -> float:
        return await asyncio.to_thread(self.start, timeout)

    async def astop(self, timeout: float = 30.0) -> int | None:
        return await asyncio.to_thread(self.stop, timeout)

    def server_properties(self) -> str:
        ctl = f"{self.host}:{self.controller_port}"
        admin = self.credentials[access.ADMIN]
        scram = ('org.apache.kafka.common.security.scram.ScramLoginModule required '
                 f'username="admin" password="{admin}";')
        plain = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
                 f'username="admin" password="{admin}" user_admin="{admin}";')
        replicas = self.cluster_size
        min_isr = min_insync_replicas(replicas)
        settings = {
            "process.roles": "broker,controller",
            "node.id": self.node_id,
            "controller.quorum.voters": self.voters,
            "listeners": f"CLIENT://{self.host}:{self.port},CONTROLLER://{ctl}",
            "advertised.listeners": f"CLIENT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "CLIENT",
            "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
            # clients (and the broker to itself) sign in with SCRAM; the controller listener
            # (not for clients) with PLAIN as admin: KRaft cannot use SCRAM there
            "sasl.enabled.mechanisms": access.MECHANISM,
            "sasl.mechanism.inter.broker.protocol": access.MECHANISM,
            "listener.name.client.sasl.enabled.mechanisms": access.MECHANISM,
            f"listener.name.client.{access.MECHANISM.lower()}.sasl.jaas.config": scram,
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": plain,
            "authorizer.class.name":
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": "User:admin",
            "allow.everyone.if.no.acl.found": "false",
            "log.dirs": self.home / "data",
            "num.partitions": 12 if replicas > 1 else 6,
            "default.replication.factor": replicas,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": replicas,
            "offsets.topic.num.partitions": 6,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "transaction.state.log.num.partitions": 6,
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": min_isr,
            # a lost replica is never elected leader (it could lack acknowledged writes)
            "unclean.leader.election.enable": "false",
            "group.initial.rebalance.delay.ms": 0,
            "auto.create.topics.enable": "false",
            "delete.topic.enable": "true",
            # a restarted combined node must wait out its old broker session before it may
            # register again (DUPLICATE_BROKER_REGISTRATION): keep that session short
            "broker.heartbeat.interval.ms": 500,
            "broker.session.timeout.ms": 2500,
            # light on a 2-core machine
            "num.network.threads": 2,
            "num.io.threads": 4,
            "background.threads": 4,
            "num.recovery.threads.per.data.dir": 1,
            "log.cleaner.threads": 1,
            "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
        }
        lines = [f"{key}={value}" for key, value in settings.items()]
        return "# written by stack/kafka.py on every start\n" + "\n".join(lines) + "\n"

    def _jvm_opts(self) -> list[str]:
        return [f"-Xmx{self.heap}" if o.startswith("-Xmx") else o for o in JVM_OPTS]

    def _log_opts(self) -> list[str]:
        return [f"-Dkafka.logs.dir={self.home}", f"-Dlog4j2.configurationFile={LOG4J_CONFIG}"]

    def _format(self, java: str, classpath: str) -> None:
        if (self.home / "data" / "meta.properties").exists():
            if not self.credentials_file.exists():
                raise StackError("kafka_data_without_credentials", path=self.home / "data")
            return
        credentials = self.credentials
        id_file = self.cluster_id_file
        if not id_file.exists() or id_file.read_text().strip().startswith("-"):
            id_file.write_text(new_cluster_id())
        done = subprocess.run(
            [java, *self._log_opts(), "-cp", classpath, "kafka.tools.StorageTool", "format",
             "-t", id_file.read_text().strip(), "-c", str(self.properties_file),
             "--ignore-formatted", *access.scram_arguments(credentials)],
            capture_output=True, text=True, cwd=self.home,
        )
        if done.returncode != 0:
            raise StackError("kafka_format_failed", path=self.home / "data",
                             tail=(done.stdout + done.stderr).strip()[-2000:])

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout

        async def loop() -> None:
            while time.monotonic() < deadline:
                if self._proc is None or self._proc.poll() is not None:
                    code = None if self._proc is None else self._proc.returncode
                    raise StackError("kafka_exited", code=code, log=self.log_file,
                                     tail=tail(self.out_file, 10) + "\n" + tail(self.log_file, 10))
                if await probe(self.bootstrap, **self.client_settings()):
                    return
                await asyncio.sleep(0.25)
            raise StackError("kafka_not_ready", timeout=timeout, bootstrap=self.bootstrap,
                             log=self.log_file)

        run_async(loop)


async def probe(bootstrap: str, timeout_ms: int = 3000, **signin: str) -> bool:
    """True when a broker at `bootstrap` answers a metadata request (`signin`: aiokafka's
    sign-in keywords; default: this process's principal)."""
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # connection refused while it boots is expected
    admin = new_admin(**{"bootstrap_servers": bootstrap, "request_timeout_ms": timeout_ms,
                         **signin})
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
        quiet.setLevel(level)


if __name__ == "__main__":  # `python -m stack.kafka`: resolve the jars (used by `make install`)
    print(ensure_kafka_jars())
