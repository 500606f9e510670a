"""stack/prometheus/alerts.yml: well-formed rules, each naming only metrics the services
export (a renamed metric must not leave an alert that can never fire)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
RULES = yaml.safe_load((ROOT / "stack" / "prometheus" / "alerts.yml").read_text())
#: Prometheus' own series (not exported by a service)
PROMETHEUS_OWN = {"up"}
KEYWORDS = {"by", "without", "and", "or", "unless", "bool", "on", "ignoring", "group_left",
            "group_right", "offset"}


def exported() -> set[str]:
    """Every series name the services' metrics modules register (imported, never started)."""
    import chassis.metrics  # noqa: F401
    import services.reporting.metrics  # noqa: F401
    import services.sla.processor  # noqa: F401
    import services.sla.ticker  # noqa: F401

    return set(REGISTRY._names_to_collectors)  # noqa: SLF001 - names with _total, _bucket


def metrics_in(expr: str) -> set[str]:
    """The series names a PromQL expression selects."""
    text = re.sub(r'"[^"]*"', "", expr)  # label values
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges, subqueries
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)  # grouping labels
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or match.group() in KEYWORDS:
            continue  # a function or an operator
        names.add(match.group())
    return names


def rules() -> list[dict]:
    return [rule for group in RULES["groups"] for rule in group["rules"]]


def test_every_rule_is_an_alert_with_severity_and_summary():
    names = [r["alert"] for r in rules()]
    assert len(names) == len(set(names)) and len(names) >= 6
    for rule in rules():
        assert rule["expr"].strip()
        assert rule["labels"]["severity"] in ("page", "warn"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]


def test_every_metric_an_alert_names_is_exported_by_the_services():
    known = exported() | PROMETHEUS_OWN
    for rule in rules():
        used = metrics_in(rule["expr"])
        assert used, rule["alert"]
        assert used <= known, (rule["alert"], sorted(used - known))


def test_the_scale_out_signals_are_watched():
    """Consumer lag, SLA timer lateness and dead letters (docs/OPERATIONS.md)."""
    used = set().union(*(metrics_in(r["expr"]) for r in rules()))
    assert {"audiensi_consumer_lag_records", "audiensi_sla_tick_lag_seconds_bucket",
            "audiensi_deadletters_total"} <= used


def test_the_checker_sees_a_metric_that_does_not_exist():
    assert metrics_in('sum by (service) (rate(audiensi_nope_total{status=~"5.."}[5m])) > 0'
                      ) == {"audiensi_nope_total"}
    assert "audiensi_nope_total" not in exported()
