"""The analysts' dashboards: reporting's statistics shaped as charts and as the tables
beside them (the same numbers). Pure."""

from __future__ import annotations

from typing import Any

from chassis.i18n import Text

CHANNELS = {"letter": Text("Surat", "Letter"), "walk_in": Text("Datang langsung", "Walk-in")}
STEP_NAMES = {
    "disposition": Text("Disposisi", "Disposition"), "receipt": Text("Diterima", "Received"),
    "inform": Text("Pemohon diberi tahu", "Informed"), "direction": Text("Diarahkan",
                                                                          "Directed"),
    "audience": Text("Audiensi", "Audience"), "report": Text("Laporan", "Report"),
    "closure": Text("Ditutup", "Closed")}


def _name(table: dict[str, Text], key: str, lang: str) -> str:
    return table[key].get(lang) if key in table else key


def volume(items: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Requests per period by channel, complaints and visits: a stacked bar chart."""
    channels = sorted({c for i in items for c in i.get("requests", {})})
    periods = [i["period"] for i in items]
    series = [{"name": _name(CHANNELS, c, lang),
               "data": [i.get("requests", {}).get(c, 0) for i in items], "stack": "requests"}
              for c in channels]
    series.append({"name": "Pengaduan" if lang == "id" else "Complaints",
                   "data": [i.get("complaints_total", 0) for i in items]})
    series.append({"name": "Kunjungan" if lang == "id" else "Visits",
                   "data": [i.get("visits", 0) for i in items]})
    rows = [[p, *[s["data"][n] for s in series]] for n, p in enumerate(periods)]
    return {"chart": {"categories": periods, "series": series},
            "columns": ["Periode" if lang == "id" else "Period", *[s["name"] for s in series]],
            "rows": rows}


def sla(policies: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    names = [p["policy_id"] for p in policies]
    chart = {"categories": names, "unit": "%", "max": 100, "series": [
        {"name": "Kepatuhan (%)" if lang == "id" else "Compliance (%)",
         "data": [p.get("compliance_pct") for p in policies]}]}
    columns = ["Kebijakan" if lang == "id" else "Policy",
               "Mulai" if lang == "id" else "Started",
               "Terpenuhi" if lang == "id" else "Met",
               "Terlambat" if lang == "id" else "Breached",
               "Berjalan" if lang == "id" else "Running",
               "Kepatuhan (%)" if lang == "id" else "Compliance (%)"]
    rows = [[p["policy_id"], p["started"], p["met"], p["breached"], p["running"],
             "—" if p.get("compliance_pct") is None else p["compliance_pct"]]
            for p in policies]
    return {"chart": chart, "columns": columns, "rows": rows}


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def lead_times(steps: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    names = [_name(STEP_NAMES, s["step"], lang) for s in steps]
    chart = {"categories": names, "unit": "j" if lang == "id" else "h", "series": [
        {"name": "p50", "data": [hours(s.get("p50_seconds")) for s in steps]},
        {"name": "p90", "data": [hours(s.get("p90_seconds")) for s in steps]}]}
    columns = ["Langkah" if lang == "id" else "Step", "n", "p50 (jam)" if lang == "id"
               else "p50 (hours)", "p90 (jam)" if lang == "id" else "p90 (hours)",
               "maks (jam)" if lang == "id" else "max (hours)"]
    rows = [[names[n], s["count"], _dash(hours(s.get("p50_seconds"))),
             _dash(hours(s.get("p90_seconds"))), _dash(hours(s.get("max_seconds")))]
            for n, s in enumerate(steps)]
    return {"chart": chart, "columns": columns, "rows": rows}


def workload(answer: dict[str, Any], lang: str) -> dict[str, Any]:
    divisions = answer.get("divisions", [])
    chart = {"categories": [d["division"] for d in divisions], "series": [
        {"name": "Kasus terbuka" if lang == "id" else "Open cases",
         "data": [d["open_cases"] for d in divisions]}]}
    columns = ["Bidang" if lang == "id" else "Division",
               "Kasus terbuka" if lang == "id" else "Open cases"]
    rows = [[d["division"], d["open_cases"]] for d in divisions]
    return {"chart": chart, "columns": columns, "rows": rows}


def _dash(value: Any) -> Any:
    return "—" if value is None else value
