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
