"""Parsing primitives of the SLA configuration files (policies and calendars).

- `parse_duration`: ISO 8601 durations (`P1D`, `PT30M`, `P1DT2H`, `PT1.5H`) kept
  as written, so that a day can mean a *working* day later on: `PT24H` and
  `P1D` are different things in working time.
- `load_yaml_with_lines`: a YAML document as plain Python values plus the
  source line of every value, so a validation error names its line.
- `ConfigError`: "<file> line <n>: <problem>".

Pure: no I/O here; the loaders read the files and hand the text in.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = [
    "ConfigError",
    "IsoDuration",
    "Lines",
    "check_near_miss_keys",
    "config_error_from_validation",
    "line_of",
    "load_yaml_with_lines",
    "parse_duration",
]

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?!$)(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?"
    rf"(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?"
)
_MICROS_PER_DAY = 86_400 * 10**6


def _micros(value: Decimal) -> timedelta:
    return timedelta(microseconds=int(value.to_integral_value()))


@dataclass(frozen=True, slots=True)
class IsoDuration:
    """An ISO 8601 duration as written: weeks and days apart from the clock part.

    `wall()` reads a day as 24 hours and a week as 7 days. `working(day)` reads
    a day as one working day of `day` working time and a week as 5 working days.
    """

    text: str
    weeks: Decimal = Decimal(0)
    days: Decimal = Decimal(0)
    clock: timedelta = timedelta(0)

    def wall(self) -> timedelta:
        return _micros((self.weeks * 7 + self.days) * _MICROS_PER_DAY) + self.clock

    def working(self, working_day: timedelta) -> timedelta:
        day_micros = Decimal(working_day // timedelta(microseconds=1))
        return _micros((self.weeks * 5 + self.days) * day_micros) + self.clock

    def is_zero(self) -> bool:
        return not self.weeks and not self.days and not self.clock

    def __str__(self) -> str:
        return self.text


ZERO = IsoDuration("PT0S")


def parse_duration(text: object) -> IsoDuration:
    """Parse `P[nW][nD][T[nH][nM][nS]]`; years and months are refused (their length varies)."""
    raw = str(text).strip() if isinstance(text, str) else repr(text)
    match = _DURATION.fullmatch(raw) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"duration {raw!r} is not an ISO 8601 duration (e.g. P1D, PT2H, PT30M)")
    if match["years"] or match["months"]:
        raise ValueError(f"duration {raw!r}: years and months are not supported, write days")
    try:
        parts = {k: Decimal((v or "0").replace(",", ".")) for k, v in match.groupdict().items()}
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets numbers through
        raise ValueError(f"duration {raw!r} is not an ISO 8601 duration") from exc
    seconds = parts["hours"] * 3600 + parts["minutes"] * 60 + parts["seconds"]
    clock = _micros(seconds * 10**6)
    return IsoDuration(raw, weeks=parts["weeks"], days=parts["days"], clock=clock)


# --- YAML with line numbers -------------------------------------------------------------

Path = tuple[str | int, ...]
Lines = dict[Path, int]


class ConfigError(ValueError):
    """An invalid configuration file: names the file, the line and the problem."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source, self.line, self.problem = source, line, problem
        where = f"{source} line {line}" if line else source
        super().__init__(f"{where}: {problem}")


def load_yaml_with_lines(text: str, source: str) -> tuple[Any, Lines]:
    """Parse one YAML document (safe tags only) and record the 1-based line of every value.

    Values are keyed by their path from the root: `("policies", 0, "duration")`.
    Duplicate mapping keys are an error. An unquoted `13:00` stays the string
    `"13:00"` (YAML 1.1 would read it as the base-60 integer 780).
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        lines: Lines = {(): 1}
        if root is None:
            return None, lines
        return _value(loader, root, (), lines, source), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = f"not valid YAML: {exc.problem or exc.context}"
        raise ConfigError(source, mark.line + 1 if mark else None, problem) from exc
    finally:
        loader.dispose()


def _value(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: Lines, source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                raise ConfigError(source, line, "keys must be plain scalars")
            key = loader.construct_object(key_node)
            if key in result:
                raise ConfigError(source, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            result[key] = _value(loader, value_node, (*path, key), lines, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = enumerate(node.value)
        return [_value(loader, item, (*path, i), lines, source) for i, item in items]
    if node.tag == "tag:yaml.org,2002:int" and ":" in node.value:
        return node.value  # a sexagesimal "13:00": keep the text
    try:
        return loader.construct_object(node)
    except (ValueError, yaml.YAMLError):
        return node.value  # e.g. a date like 2026-13-01: the validator names the problem


def line_of(lines: Lines, path: Iterable[str | int]) -> int | None:
    """The line of the deepest prefix of `path` that exists in the document."""
    parts = tuple(path)
    for end in range(len(parts), -1, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


def config_error_from_validation(error: ValidationError, lines: Lines, source: str) -> ConfigError:
    """Turn the first pydantic error into "<file> line <n>: <problem>"."""
    first = error.errors(include_url=False)[0]
    loc = tuple(first["loc"])
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "value")
    kind, ctx = first["type"], first.get("ctx") or {}
    if loc and loc[-1] == "[key]":  # a bad key of a dict field, e.g. weekday 'fry'
        loc = loc[:-1]
        expected = f" (expected {ctx['expected']})" if "expected" in ctx else ""
        problem = f"unknown key {loc[-1]!r}{expected}"
    elif kind == "missing":
        problem = f"missing {field!r}"
    elif kind == "extra_forbidden":
        problem = f"unknown key {field!r}"
    elif kind == "value_error" and "error" in ctx:
        problem = str(ctx["error"])
    elif kind == "literal_error":
        problem = f"unknown {field} {first['input']!r} (expected {ctx.get('expected')})"
    else:
        problem = f"{field}: {first['msg']}"
    return ConfigError(source, line_of(lines, loc), problem)


def check_near_miss_keys(
    mapping: object, known: Iterable[str], path: Path, lines: Lines, source: str
) -> None:
    """Refuse a key that looks like a typo of a known one (`stop_on` for `stops_on`)."""
    if not isinstance(mapping, dict):
        return
    known = tuple(known)
    for key in mapping:
        if not isinstance(key, str) or key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if close:
            problem = f"unknown key {key!r} (did you mean {close[0]!r}?)"
            raise ConfigError(source, line_of(lines, (*path, key)), problem)
