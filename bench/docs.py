"""docs/performance.md is written by several benchmarks, one `## ` section each."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def write_section(heading: str, section: str, doc: Path = DOC) -> None:
    """Replace the section that starts with `heading` (up to the next `## `), or append it."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + section + ("\n" + text[nxt + 1:] if nxt >= 0 else "")
    doc.write_text(text, encoding="utf-8")


JSON_DOC = DOC.with_suffix(".json")


def figure(name: str, value: float, unit: str, baseline: float | None = None,
           date: str | None = None) -> dict:
    """One machine-readable figure; `ratio` = value / baseline (None without a baseline)."""
    from datetime import UTC, datetime

    return {"name": name, "value": round(value, 3), "unit": unit,
            "baseline": round(baseline, 3) if baseline is not None else None,
            "ratio": round(value / baseline, 4) if baseline else None,
            "date": date or f"{datetime.now(UTC):%Y-%m-%d}"}


def write_figures(figures: list[dict], doc: Path | None = None) -> None:
    """Replace the figures of the same names in docs/performance.json (a list of objects:
    name, value, unit, baseline, ratio, date), keep the others, sorted by name."""
    import json

    doc = doc or JSON_DOC
    old = json.loads(doc.read_text(encoding="utf-8")) if doc.exists() else []
    by_name = {f["name"]: f for f in old}
    by_name.update({f["name"]: f for f in figures})
    doc.write_text(json.dumps(sorted(by_name.values(), key=lambda f: f["name"]), indent=2,
                              ensure_ascii=False) + "\n", encoding="utf-8")
