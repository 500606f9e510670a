"""Query helpers: ranges, cursors, percentiles, aggregation, CSV cells."""

from zoneinfo import ZoneInfo

import pytest

from services.reporting.reading import (
    BadInput,
    TimeRange,
    after_cursor,
    csv_value,
    decode_cursor,
    encode_cursor,
    lead_time_stats,
    percentile,
    sla_stats,
    time_range,
    volume,
    workload,
)

pytestmark = pytest.mark.unit
WIB = ZoneInfo("Asia/Jakarta")


def test_dates_are_office_days_and_to_is_inclusive():
    r = time_range("2026-03-02", "2026-03-03", WIB)
    assert r.first_day == "2026-03-02" and r.last_day == "2026-03-03"
    assert r.hi - r.lo == 2 * 86400
    assert r.lo == 1772384400.0  # 2026-03-02T00:00+07:00


def test_datetimes_are_exact_and_to_is_exclusive():
    r = time_range("2026-03-02T01:00:00Z", "2026-03-02T17:00:00Z", WIB)
    assert r.first_day == "2026-03-02" and r.last_day == "2026-03-02"  # 17:00Z is 00:00 WIB


@pytest.mark.parametrize("raw_from,raw_to,field", [("2026-13-01", None, "from"),
                                                   (None, "yesterday", "to"),
                                                   ("2026-03-05", "2026-03-01", "to")])
def test_bad_ranges_name_the_field(raw_from, raw_to, field):
    with pytest.raises(BadInput) as exc:
        time_range(raw_from, raw_to, WIB)
    assert exc.value.field == field


def test_cursor_round_trip_and_garbage():
    c = encode_cursor(1772384400.123456, "case-000001")
    assert decode_cursor(c) == (1772384400.123456, "case-000001")
    for junk in ("x", "bm90IGpzb24", encode_cursor(1, "a")[:-3] + "!!!"):
        with pytest.raises(BadInput):
            decode_cursor(junk)


def test_after_cursor_is_descending():
    cur = (10.0, "m")
    assert after_cursor(cur, 9.0, "z") and after_cursor(cur, 10.0, "a")
    assert not after_cursor(cur, 10.0, "m") and not after_cursor(cur, 11.0, "a")


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5.0 and percentile(values, 90) == 9.0
    assert percentile([], 50) is None
    [first, *_] = lead_time_stats({"disposition": [3.0, 1.0, 2.0]})
    assert first == {"step": "disposition", "count": 3, "p50_seconds": 2.0,
                     "p90_seconds": 3.0, "max_seconds": 3.0}


def test_sla_stats_sum_partitions_and_filter_days():
    parts = [{"p|2026-03-02|started": 2, "p|2026-03-02|met": 1, "p|2026-03-02|breached": 1},
             {"p|2026-03-03|started": 1, "p|2026-03-03|running": 1,
              "q|2026-03-02|started": 1, "q|2026-03-02|cancelled": 1}]
    every = sla_stats(parts, TimeRange(), None)
    assert every[0] == {"policy_id": "p", "started": 3, "met": 1, "breached": 1, "running": 1,
                        "cancelled": 0, "compliance_pct": 50.0}
    assert every[1]["compliance_pct"] is None
    one_day = sla_stats(parts, TimeRange(first_day="2026-03-03", last_day="2026-03-03"), "p")
    assert one_day == [{"policy_id": "p", "started": 1, "met": 0, "breached": 0, "running": 1,
                        "cancelled": 0, "compliance_pct": None}]


def test_volume_by_month_and_workload():
    parts = [{"requests|2026-03-02|letter": 2, "complaints|2026-03-09|website": 1,
              "visits|2026-04-01": 3}, {"requests|2026-03-31|walk_in": 1}]
    rows = volume(parts, TimeRange(), "month")
    assert rows == [
        {"period": "2026-03", "requests": {"letter": 2, "walk_in": 1}, "requests_total": 3,
         "complaints": {"website": 1}, "complaints_total": 1, "visits": 0},
        {"period": "2026-04", "requests": {}, "requests_total": 0, "complaints": {},
         "complaints_total": 0, "visits": 3}]
    w = workload([{"division|rehsos": 2, "officer|rehsos|a": 1}, {"division|rehsos": 1}])
    assert w == {"divisions": [{"division": "rehsos", "open_cases": 3}],
                 "officers": [{"officer_id": "a", "division": "rehsos", "open_cases": 1}]}


def test_csv_cells_never_start_a_formula():
    assert csv_value("=HYPERLINK()") == "'=HYPERLINK()"
    assert csv_value(None) == "" and csv_value(True) == "true" and csv_value(3) == "3"
