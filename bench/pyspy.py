"""Sampling profiles of running services with py-spy (a dev dependency), summarised for
docs/performance.md: where a process's CPU time goes, by layer and by function.

`Profiles(pids, out_dir)` records every pid while its block runs (py-spy record, raw
collapsed stacks, non-blocking so the service is not paused); `summary(path)` reads one."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

#: the leaf frame's file (as py-spy shortens it) -> the layer its time is charged to
LAYERS = (
    ("pydantic", "pydantic (validate / serialise)"),
    ("json/", "json"), ("msgspec", "json"),
    ("aiokafka", "aiokafka (produce / fetch)"), ("kafka/", "aiokafka (produce / fetch)"),
    ("faust/", "faust / mode"), ("mode/", "faust / mode"),
    ("redis/", "redis-py"),
    ("uvicorn", "HTTP (uvicorn, starlette, fastapi, h11)"),
    ("starlette", "HTTP (uvicorn, starlette, fastapi, h11)"),
    ("fastapi", "HTTP (uvicorn, starlette, fastapi, h11)"),
    ("h11", "HTTP (uvicorn, starlette, fastapi, h11)"),
    ("asyncio/", "asyncio event loop"), ("selectors", "asyncio event loop"),
    ("uvloop", "asyncio event loop"),
    ("logging", "logging"), ("pythonjsonlogger", "logging"),
    ("prometheus_client", "metrics (prometheus)"),
    ("cryptography", "signing / sealing"), ("hmac", "signing / sealing"),
    ("jwt/", "JWT (auth)"),
    ("chassis/", "own code (chassis)"), ("contracts/", "own code (contracts)"),
    ("services/", "own code (services)"),
)
OWN = ("chassis/", "contracts/", "services/")


def frame_file(frame: str) -> str:
    """'decide (services/disposition/domain.py:42)' -> 'services/disposition/domain.py'."""
    inner = frame.rpartition(" (")[2].rstrip(")")
    return inner.rsplit(":", 1)[0]


def layer_of(frame: str) -> str:
    path = frame_file(frame)
    for marker, layer in LAYERS:
        if marker in path:
            return layer
    return "other"


def short(frame: str) -> str:
    """'decide (services/disposition/domain.py:42)' -> 'services/disposition/domain.py:decide'."""
    name, _, _ = frame.partition(" (")
    return f"{frame_file(frame)}:{name}"


@dataclass
class Summary:
    samples: int
    layers: list[tuple[str, float]]  # layer of the leaf frame, share of samples
    own: list[tuple[str, float]]  # own functions, inclusive share of samples
    leaves: list[tuple[str, float]]  # hottest leaf functions, self share


def summarise(lines: list[str], top: int = 12) -> Summary:
    """Read py-spy's raw output ('frame;frame;... count' per line, outermost first)."""
    layers: Counter[str] = Counter()
    own: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        leaf = frames[-1]
        layers[layer_of(leaf)] += n
        leaves[short(leaf)] += n
        for name in {short(f) for f in frames if any(o in frame_file(f) for o in OWN)}:
            own[name] += n
    if not total:
        return Summary(0, [], [], [])

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(k, v / total) for k, v in counter.most_common(top)]
    return Summary(total, shares(layers), shares(own), shares(leaves))


def summary(path: Path, top: int = 12) -> Summary:
    return summarise(path.read_text(encoding="utf-8").splitlines(), top)


class Profiles:
    """py-spy record on each {name: pid} while the block runs; files in `out_dir`."""

    def __init__(self, pids: dict[str, int], out_dir: Path, rate: int = 200,
                 gil: bool = False) -> None:
        """`gil`: sample only the thread holding the GIL (Python's own CPU: py-spy's idle
        test does not see a thread blocked in `select` or a `Condition.wait` as idle)."""
        self.pids, self.out_dir, self.rate, self.gil = pids, out_dir, rate, gil
        self.procs: list[subprocess.Popen] = []

    def path(self, name: str) -> Path:
        return self.out_dir / f"{name}.txt"

    def __enter__(self) -> Profiles:
        exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.pids.items():
            self.procs.append(subprocess.Popen(
                [exe, "record", "--pid", str(pid), "--format", "raw", "--function",
                 "--nonblocking", *(["--gil"] if self.gil else []), "--rate", str(self.rate),
                 "--output", str(self.path(name))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def render(name: str, s: Summary, seconds: float, rate: int, gil: bool = False) -> list[str]:
    busy = s.samples / rate
    what = ("seconds holding the GIL (Python's CPU, any thread)" if gil else
            "thread-seconds not idle by py-spy's measure")
    lines = [f"**{name}**: {s.samples} samples = {busy:.1f} {what}, in {seconds:.0f} s "
             "(all threads: the event loop, faust's consumer thread, the executor)", "",
             "| layer (leaf frame) | share |", "|---|---:|"]
    lines += [f"| {k} | {v:.1%} |" for k, v in s.layers]
    lines += ["", "| own function (inclusive) | share |", "|---|---:|"]
    lines += [f"| `{k}` | {v:.1%} |" for k, v in s.own]
    lines += ["", "| hottest leaf functions (self) | share |", "|---|---:|"]
    lines += [f"| `{k}` | {v:.1%} |" for k, v in s.leaves]
    return lines + [""]
