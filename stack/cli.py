"""`audiensi`: run the whole system locally and look inside it.

    audiensi up            Kafka + Redis + topics + every service and the web console
    audiensi down          stop what `audiensi up` started (from another shell)
    audiensi token USER    a development JWT for a user of config/org.yaml
    audiensi topics        create missing topics, show partitions and end offsets
    audiensi tail TOPIC    follow a topic, decoded, personal data masked
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import click

from stack.messages import StackError, text

# Commands other rooms add without editing this file's logic: name -> "module:attribute".
LAZY_COMMANDS: dict[str, str] = {}
LAZY_COMMANDS["rebuild"] = "stack.cli_reporting:rebuild"
LAZY_COMMANDS["escalations"] = "stack.cli_reporting:escalations"


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            module, _, attr = LAZY_COMMANDS[name].partition(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


class _Stop(Exception):
    """Raised by the signal handlers of `up`: stop everything, in order."""


def _settings():
    from chassis.settings import get_settings

    return get_settings()


def _sign_in(principal: str, *, force: bool = False) -> None:
    """Make this process's Kafka clients sign in as `principal` of the local stack (its
    credentials file under the data dir), unless AUDIENSI_KAFKA_PRINCIPAL says otherwise."""
    credentials = Path(_settings().data_dir).resolve() / "kafka" / "credentials.json"
    if os.environ.get("AUDIENSI_KAFKA_PRINCIPAL") and not force:
        return
    if credentials.exists() or force:
        os.environ["AUDIENSI_KAFKA_PRINCIPAL"] = principal
        os.environ.setdefault("AUDIENSI_KAFKA_CREDENTIALS", str(credentials))
        from chassis.settings import get_settings

        get_settings.cache_clear()


def _pid_file() -> Path:
    return Path(_settings().data_dir).resolve() / "audiensi.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _running_pid() -> int | None:
    try:
        pid = int(_pid_file().read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    ours = b"audiensi" in cmdline or b"stack.cli" in cmdline
    return pid if pid != os.getpid() and ours and _alive(pid) else None


@click.group(cls=_Group, help=__doc__)
def cli() -> None:
    pass


@cli.command()
@click.option("--kafka-port", type=int, envvar="AUDIENSI_KAFKA_PORT", show_envvar=True,
              help="Port of the local Kafka (default: the port of AUDIENSI_KAFKA_BOOTSTRAP).")
@click.option("--kafka-controller-port", type=int, envvar="AUDIENSI_KAFKA_CONTROLLER_PORT",
              show_envvar=True, help="KRaft controller port (default: Kafka port + 1).")
@click.option("--redis-port", type=int, envvar="AUDIENSI_REDIS_PORT", show_envvar=True,
              help="Port of the local Redis (default: the port of AUDIENSI_REDIS_URL).")
@click.option("--redis-cluster", is_flag=True, envvar="AUDIENSI_REDIS_CLUSTER", show_envvar=True,
              help="Run Redis as a local Redis Cluster: 3 masters + 3 replicas on ports "
                   "--redis-port … +5 (default 7000-7005), docs/REDIS_CLUSTER.md.")
@click.option("--s3-port", type=int, envvar="AUDIENSI_S3_PORT", show_envvar=True,
              help="Port of the local object store's S3 gateway (default 8333).")
@click.option("--service", "services", multiple=True, help="Start only these services.")
@click.option("--brokers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Kafka nodes (KRaft, each controller+broker). 3: replication factor 3, "
                   "min.insync.replicas 2, 12 partitions per topic; node i on Kafka port + 2i "
                   "(its controller + 1).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes per service (one consumer group); worker k on the service's "
                   "port + 100 (k - 1).")
@click.option("--timeout", type=float, default=180.0, show_default=True,
              help="Seconds to wait for each part to become ready.")
def up(kafka_port: int | None, kafka_controller_port: int | None, redis_port: int | None,
       redis_cluster: bool, s3_port: int | None, services: tuple[str, ...], brokers: int,
       workers: int, timeout: float) -> None:
    """Start Kafka, Redis, the object store, the topics and every service; stay in the
    foreground."""
    from stack.kafka import KafkaServer
    from stack.kafka_cluster import CLUSTER_PARTITIONS, KafkaCluster, cluster_ports
    from stack.objectstore import ObjectStoreServer
    from stack.redis import RedisServer
    from stack.redis_access import without_user
    from stack.redis_cluster import RedisCluster
    from stack.supervisor import CONSOLE, STACK, Supervisor, default_specs

    if brokers == 2:
        raise click.BadParameter("1, or 3 or more (a quorum of 2 survives no loss)",
                                 param_hint="--brokers")

    settings = _settings()
    data_dir = Path(settings.data_dir).resolve()
    if (pid := _running_pid()) is not None:
        raise StackError("already_running", pid=pid)
    began = time.monotonic()
    kafka = redis = objects = supervisor = None
    previous = {sig: signal.signal(sig, _raise_stop)
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    data_dir.mkdir(parents=True, exist_ok=True)
    _pid_file().write_text(f"{os.getpid()}\n")
    try:
        env = {"AUDIENSI_DATA_DIR": str(data_dir)}
        replication, partitions = settings.replication_factor, settings.topic_partitions
        if os.environ.get("AUDIENSI_KAFKA_BOOTSTRAP"):
            bootstrap = settings.kafka_bootstrap
            click.echo(text("using_external", what="Kafka", where=bootstrap))
        else:
            port = kafka_port or urlparse(f"//{settings.kafka_bootstrap}").port or 9092
            if brokers > 1:
                kafka = KafkaCluster(data_dir, *cluster_ports(port, brokers))
                env.update(kafka.env())  # replication N, 12 partitions
                replication, partitions = kafka.replication, CLUSTER_PARTITIONS
            else:
                kafka = KafkaServer(data_dir, port, kafka_controller_port)
            click.echo(text("starting", what=f"Kafka {kafka.bootstrap}"))
            kafka.start(timeout)
            bootstrap = kafka.bootstrap
            env.update(kafka.signin_env())  # the supervisor gives each service its own
            _sign_in("admin", force=True)  # this process creates the topics
        env["AUDIENSI_KAFKA_BOOTSTRAP"] = bootstrap
        if os.environ.get("AUDIENSI_REDIS_URL"):
            env["AUDIENSI_REDIS_URL"] = settings.redis_url
            click.echo(text("using_external", what="Redis", where=settings.redis_url))
        elif redis_cluster:
            first = redis_port or 7000
            redis = RedisCluster(data_dir, list(range(first, first + 6)))
            click.echo(text("starting", what=f"Redis Cluster {without_user(redis.url)}"))
            redis.start(timeout)
            env.update(AUDIENSI_REDIS_URL=redis.url, **redis.signin_env())
        else:
            redis = RedisServer(data_dir, redis_port or urlparse(settings.redis_url).port or 6380)
            click.echo(text("starting", what=f"Redis {without_user(redis.url)}"))
            redis.start(timeout)
            env.update(AUDIENSI_REDIS_URL=redis.url, **redis.signin_env())
        names = services or STACK
        if os.environ.get("AUDIENSI_S3_ENDPOINT"):
            click.echo(text("using_external", what="S3", where=settings.s3_endpoint))
        elif "documents" in names:
            objects = ObjectStoreServer(data_dir, s3_port or 8333, bucket=settings.s3_bucket)
            click.echo(text("starting", what=f"SeaweedFS S3 {objects.endpoint}"))
            objects.start(timeout)
            env.update(objects.env())
        _create_topics(bootstrap, replication, partitions)
        supervisor = Supervisor(
            default_specs({n: settings.port_for(n) for n in names}, names, workers),
            data_dir, env, settings.host)
        supervisor.start_all()
        supervisor.wait_ready(timeout)
        click.echo(text("ready", seconds=time.monotonic() - began))
        for name in supervisor.specs:
            extra = "/masuk" if name == CONSOLE else "/docs"
            click.echo(f"  {name:<14} {supervisor.url(name)}  ({supervisor.url(name, extra)})")
        click.echo(f"  {'kafka':<14} {bootstrap}")
        click.echo(f"  {'redis':<14} {without_user(env['AUDIENSI_REDIS_URL'])}")
        if objects is not None:
            click.echo(f"  {'s3':<14} {objects.endpoint}  (bucket {objects.bucket})")
        click.echo(f"  {'logs':<14} {data_dir / 'logs'}")
        if CONSOLE in names and not settings.production and not settings.console_accounts:
            click.echo(text("console_password"))
        click.echo(text("stop_hint"))
        _watch(supervisor)
    except _Stop:
        pass
    finally:
        with contextlib.suppress(_Stop):
            for sig in previous:  # a second Ctrl-C must not cut the clean stop short
                signal.signal(sig, signal.SIG_IGN)
            click.echo(text("stopping"))
            if supervisor is not None:
                supervisor.stop_all()
            if objects is not None:
                objects.stop()
            if redis is not None:
                redis.stop()
            if kafka is not None:
                kafka.stop()
            _pid_file().unlink(missing_ok=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            click.echo(text("stopped"))


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def _watch(supervisor) -> None:
    reported: set[str] = set()
    while True:
        time.sleep(1.0)
        for name, code in supervisor.exited().items():
            if name not in reported:
                reported.add(name)
                click.echo(text("service_died", name=name, code=code,
                                log=supervisor.log_file(name)), err=True)


def _create_topics(bootstrap: str, replication: int | None = None,
                   partitions: int | None = None) -> list[str]:
    """The public topics at `replication` and, those of the default count, `partitions`
    (default: the settings', AUDIENSI_REPLICATION_FACTOR / AUDIENSI_TOPIC_PARTITIONS)."""
    from stack.topics import ensure_topics, load_topics, scaled

    try:
        topics = load_topics()
    except ImportError as exc:
        click.echo(text("topics_missing_module", error=exc), err=True)
        return []
    settings = _settings()
    topics = scaled(topics, partitions or settings.topic_partitions)
    created = asyncio.run(ensure_topics(bootstrap, topics,
                                        replication or settings.replication_factor))
    if created:
        click.echo(text("topics_created", names=", ".join(created)))
    return created


@cli.command()
@click.option("--timeout", type=float, default=60.0, show_default=True)
def down(timeout: float) -> None:
    """Stop what `audiensi up` started."""
    pid = _running_pid()
    if pid is None:
        click.echo(text("not_running"))
        return
    os.kill(pid, signal.SIGTERM)
    click.echo(text("down_waiting", pid=pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            click.echo(text("stopped"))
            return
        time.sleep(0.2)
    raise StackError("down_timeout", pid=pid, timeout=timeout)


@cli.command()
@click.argument("user")
@click.option("--hours", type=float, default=12.0, show_default=True, help="Lifetime.")
def token(user: str, hours: float) -> None:
    """Print a signed development JWT for USER (an id in config/org.yaml)."""
    from stack.tokens import make_token

    click.echo(make_token(user, ttl_hours=hours))


_bootstrap_option = click.option(
    "--bootstrap", default=None, help="Kafka bootstrap (default: AUDIENSI_KAFKA_BOOTSTRAP).")


@cli.command()
@_bootstrap_option
def topics(bootstrap: str | None) -> None:
    """Create missing topics, then show each topic's partitions and end offsets."""
    from stack.topics import describe_topics

    _sign_in("admin")
    bootstrap = bootstrap or _settings().kafka_bootstrap
    _create_topics(bootstrap)
    infos = asyncio.run(describe_topics(bootstrap))
    width = max([len(i.name) for i in infos] + [5])
    click.echo(f"{'topic':<{width}}  partitions  messages  end offsets")
    for info in infos:
        ends = " ".join(f"{p}:{o}" for p, o in sorted(info.end_offsets.items()))
        click.echo(f"{info.name:<{width}}  {info.partitions:>10}  {info.messages:>8}  {ends}")


@cli.command()
@click.argument("topic")
@click.option("--from-end", is_flag=True, help="Only messages produced from now on.")
@click.option("--limit", type=int, default=None, help="Stop after this many messages.")
@click.option("--idle", type=float, default=None, help="Stop after this many quiet seconds.")
@_bootstrap_option
def tail(topic: str, from_end: bool, limit: int | None, idle: float | None,
         bootstrap: str | None) -> None:
    """Follow TOPIC from the beginning (or --from-end); personal data is shown as ***."""
    from stack.tail import follow

    _sign_in("operator")
    bootstrap = bootstrap or _settings().kafka_bootstrap
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(follow(bootstrap, topic, from_end=from_end, limit=limit, idle_timeout=idle,
                           out=click.echo))


@cli.command("kafka-setup")
@_bootstrap_option
def kafka_setup(bootstrap: str | None) -> None:
    """Create the topics and every principal's ACLs (sign in as admin); for a broker run
    elsewhere, e.g. docker-compose's. Safe to run again."""
    from stack import kafka_access

    bootstrap = bootstrap or _settings().kafka_bootstrap
    _create_topics(bootstrap)
    count = asyncio.run(kafka_access.put_all_rules(bootstrap_servers=bootstrap))
    click.echo(text("acls_applied", count=count))


@cli.command("compose-secrets")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("secrets"),
              show_default=True, help="Where docker-compose.yml reads its secrets.")
def compose_secrets(folder: Path) -> None:
    """Write every secret docker-compose.yml names (random, 0600), keeping those there."""
    import base64
    import secrets as random

    import yaml

    from stack.proc import ROOT

    names = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["secrets"]
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, spec in names.items():
        path = folder / Path(spec["file"]).name
        if not path.exists():
            path.touch(mode=0o600)
            # the master key is base64 of exactly 32 bytes (chassis.keystore); the rest text
            value = (base64.b64encode(random.token_bytes(32)).decode() if name == "master_key"
                     else random.token_urlsafe(36))
            path.write_text(value)
            made.append(name)
    click.echo(text("secrets_written", count=len(made), folder=folder))


@cli.command("kafka-config")
@click.option("--principal", default="operator", show_default=True,
              help="Whose settings: operator, admin or a service (intake, disposition, ...).")
def kafka_config(principal: str) -> None:
    """Print a principal's Kafka client settings as JSON (aiokafka's keyword names)."""
    import json

    from stack import kafka_access

    if principal not in kafka_access.PRINCIPALS:
        raise click.BadParameter(f"one of {', '.join(kafka_access.PRINCIPALS)}",
                                 param_hint="--principal")
    settings = _settings()
    path = settings.kafka_credentials or Path(settings.data_dir).resolve() / "kafka" / \
        "credentials.json"
    if not path.exists():
        raise StackError("kafka_credentials_missing", path=path)
    password = json.loads(path.read_text())[principal]
    click.echo(json.dumps(kafka_access.client_settings(settings.kafka_bootstrap, principal,
                                                       password), indent=2))


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="audiensi", standalone_mode=True)
    except StackError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
