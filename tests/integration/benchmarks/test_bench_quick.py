"""The benchmarks' quick lane in CI, so a benchmark cannot rot: the reporting bench at tiny
sizes against the session's broker and Redis produces its figures (no timing asserted:
this machine is shared; `make bench` measures)."""

from __future__ import annotations

import argparse
import json

import pytest

from bench import reporting_bench
from bench.docs import write_figures

pytestmark = pytest.mark.integration

NAMES = {"reporting.raw_consume", "reporting.rebuild", "reporting.live_projector",
         "reporting.rebuild_workers", "reporting.live_projector_workers",
         "reporting.decode.pydantic", "reporting.decode.msgspec_read", "reporting.facts",
         "reporting.project_and_json"}


async def test_the_reporting_bench_measures_every_figure(stack_env, tmp_path):
    args = argparse.Namespace(cases=20, rounds=1, workers=2, sse_samples=0,
                              bootstrap=stack_env.bootstrap,
                              redis=stack_env.redis_url, redis_db=9, time_limit=120.0)
    text, figures = await reporting_bench.main(args)
    assert "| projection rebuild" in text and "| live projector" in text
    by_name = {f["name"]: f for f in figures}
    assert set(by_name) == NAMES
    for f in figures:
        assert f["value"] > 0 and f["unit"] == "events/s" and f["date"]
    for name in ("reporting.rebuild", "reporting.live_projector",
                 "reporting.rebuild_workers", "reporting.live_projector_workers"):
        f = by_name[name]
        assert f["baseline"] == by_name["reporting.raw_consume"]["value"]
        assert f["ratio"] == pytest.approx(f["value"] / f["baseline"], rel=1e-3)

    doc = tmp_path / "performance.json"
    doc.write_text(json.dumps([{"name": "other", "value": 1, "unit": "ms", "baseline": None,
                                "ratio": None, "date": "2026-01-01"}]))
    write_figures(figures, doc)
    written = json.loads(doc.read_text())
    assert {f["name"] for f in written} == NAMES | {"other"}
    assert all(set(f) == {"name", "value", "unit", "baseline", "ratio", "date"}
               for f in written)
