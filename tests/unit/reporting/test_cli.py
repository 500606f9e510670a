"""`audiensi escalations`: SSE parsing and the one-line rendering (pure parts)."""

from zoneinfo import ZoneInfo

import pytest

from stack.cli_reporting import parse_sse, render

pytestmark = pytest.mark.unit
WIB = ZoneInfo("Asia/Jakarta")


def test_parse_sse_dispatches_on_blank_lines_and_skips_comments():
    lines = [": audiensi escalations", "retry: 1000", "", "id: 1-0", "event: EscalationRaised",
             'data: {"a":', "data: 1}", "", ": ping", "", "id: 2-0", "data: x", ""]
    assert list(parse_sse(lines)) == [
        {"id": "1-0", "event": "EscalationRaised", "data": '{"a":\n1}'},
        {"id": "2-0", "data": "x"}]


def test_render_raised_in_office_time(monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "id")
    line = render({"type": "EscalationRaised", "time": "2026-03-02T03:00:00+00:00",
                   "case_id": "c1", "escalation_id": "e1", "level": 2, "reason": "breached",
                   "policy_id": "inform-applicant", "to_role": "division_head",
                   "to_division": "rehsos", "due_at": "2026-03-02T03:00:00+00:00"}, WIB)
    assert line.startswith("2026-03-02 10:00 ESKALASI")
    assert "L2 breached" in line and "division_head/rehsos" in line
    assert "batas 2026-03-02 10:00" in line


def test_render_acknowledged_in_english(monkeypatch):
    monkeypatch.setenv("AUDIENSI_LANG", "en")
    line = render({"type": "EscalationAcknowledged", "time": "2026-03-02T03:00:00+00:00",
                   "case_id": "c1", "escalation_id": "e1", "acknowledged_by": "ops"}, WIB)
    assert "ACKNOWLEDGED" in line and "case c1" in line and "by ops" in line
