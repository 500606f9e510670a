"""The analysts' dashboards: reporting's statistics shaped as charts and as the tables
beside them (the same numbers). Pure."""

from __future__ import annotations

from typing import Any

from .l10n import N_, Msg

CHANNELS = {"letter": N_("dash.channel.letter"), "walk_in": N_("dash.channel.walk_in")}
STEP_NAMES = {
    "disposition": N_("dash.step.disposition"), "receipt": N_("dash.step.receipt"),
    "inform": N_("dash.step.inform"), "direction": N_("dash.step.direction"),
    "audience": N_("dash.step.audience"), "report": N_("dash.step.report"),
    "closure": N_("dash.step.closure")}


def _name(table: dict[str, Msg], key: str, lang: str) -> str:
    return table[key].get(lang) if key in table else key


def volume(items: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Requests per period by channel, complaints and visits: a stacked bar chart."""
    channels = sorted({c for i in items for c in i.get("requests", {})})
    periods = [i["period"] for i in items]
    series = [{"name": _name(CHANNELS, c, lang),
               "data": [i.get("requests", {}).get(c, 0) for i in items], "stack": "requests"}
              for c in channels]
    series.append({"name": N_("dash.complaints").get(lang),
                   "data": [i.get("complaints_total", 0) for i in items]})
    series.append({"name": N_("dash.visits").get(lang),
                   "data": [i.get("visits", 0) for i in items]})
    rows = [[p, *[s["data"][n] for s in series]] for n, p in enumerate(periods)]
    return {"chart": {"categories": periods, "series": series},
            "columns": [N_("dash.period").get(lang), *[s["name"] for s in series]],
            "rows": rows}


def sla(policies: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    names = [p["policy_id"] for p in policies]
    chart = {"categories": names, "unit": "%", "max": 100, "series": [
        {"name": N_("dash.compliance").get(lang),
         "data": [p.get("compliance_pct") for p in policies]}]}
    columns = [N_("dash.policy").get(lang),
               N_("dash.started").get(lang),
               N_("dash.met").get(lang),
               N_("dash.breached").get(lang),
               N_("dash.running").get(lang),
               N_("dash.compliance").get(lang)]
    rows = [[p["policy_id"], p["started"], p["met"], p["breached"], p["running"],
             "—" if p.get("compliance_pct") is None else p["compliance_pct"]]
            for p in policies]
    return {"chart": chart, "columns": columns, "rows": rows}


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def lead_times(steps: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    names = [_name(STEP_NAMES, s["step"], lang) for s in steps]
    chart = {"categories": names, "unit": N_("dash.h").get(lang), "series": [
        {"name": "p50", "data": [hours(s.get("p50_seconds")) for s in steps]},
        {"name": "p90", "data": [hours(s.get("p90_seconds")) for s in steps]}]}
    columns = [N_("dash.step").get(lang), "n", N_("dash.p50_hours").get(lang),
               N_("dash.p90_hours").get(lang), N_("dash.max_hours").get(lang)]
    rows = [[names[n], s["count"], _dash(hours(s.get("p50_seconds"))),
             _dash(hours(s.get("p90_seconds"))), _dash(hours(s.get("max_seconds")))]
            for n, s in enumerate(steps)]
    return {"chart": chart, "columns": columns, "rows": rows}


def workload(answer: dict[str, Any], lang: str) -> dict[str, Any]:
    divisions = answer.get("divisions", [])
    chart = {"categories": [d["division"] for d in divisions], "series": [
        {"name": N_("dash.open_cases").get(lang),
         "data": [d["open_cases"] for d in divisions]}]}
    columns = [N_("dash.division").get(lang),
               N_("dash.open_cases").get(lang)]
    rows = [[d["division"], d["open_cases"]] for d in divisions]
    return {"chart": chart, "columns": columns, "rows": rows}


def _dash(value: Any) -> Any:
    return "—" if value is None else value
