"""Dashboards: the chart's series and the table beside it hold the same numbers."""

from __future__ import annotations

from services.console import dashboards


def test_volume_chart_and_table_agree():
    items = [{"period": "2026-12-01", "requests": {"letter": 2, "walk_in": 1},
              "complaints_total": 1, "visits": 4},
             {"period": "2026-12-02", "requests": {"letter": 3}, "complaints_total": 0,
              "visits": 0}]
    v = dashboards.volume(items, "id")
    assert v["chart"]["categories"] == ["2026-12-01", "2026-12-02"]
    assert [s["name"] for s in v["chart"]["series"]] == ["Surat", "Datang langsung",
                                                         "Pengaduan", "Kunjungan"]
    assert v["rows"] == [["2026-12-01", 2, 1, 1, 4], ["2026-12-02", 3, 0, 0, 0]]
    assert v["columns"][0] == "Periode" and dashboards.volume(items, "en")["columns"][1] == \
        "Letter"


def test_sla_lead_times_and_workload():
    s = dashboards.sla([{"policy_id": "inform-applicant", "started": 4, "met": 3,
                         "breached": 1, "running": 0, "compliance_pct": 75.0},
                        {"policy_id": "direct-walk-in", "started": 1, "met": 0,
                         "breached": 0, "running": 1, "compliance_pct": None}], "id")
    assert s["chart"]["series"][0]["data"] == [75.0, None]
    assert s["rows"][1][-1] == "—"
    lead = dashboards.lead_times([{"step": "disposition", "count": 2, "p50_seconds": 7200,
                                   "p90_seconds": 10800, "max_seconds": None}], "id")
    assert lead["rows"] == [["Disposisi", 2, 2.0, 3.0, "—"]]
    assert [x["data"] for x in lead["chart"]["series"]] == [[2.0], [3.0]]
    w = dashboards.workload({"divisions": [{"division": "rehsos", "open_cases": 5}]}, "en")
    assert w["chart"]["series"][0]["data"] == [5] and w["rows"] == [["rehsos", 5]]
