"""`audiensi rebuild` and `audiensi escalations`: the reporting service from the command line.

    audiensi rebuild                 rebuild the read models from Kafka, with progress
    audiensi escalations             the escalations kept in the feed, then stop
    audiensi escalations --follow    the live escalation feed (reconnects, never misses one)
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from stack.messages import lang

MESSAGES: dict[str, tuple[str, str]] = {
    "unreachable": ("Layanan reporting tidak bisa dihubungi di {url} ({error}). Sudah "
                    "`audiensi up`?",
                    "Cannot reach the reporting service at {url} ({error}). Is `audiensi up` "
                    "running?"),
    "refused": ("Ditolak ({status}): {detail}", "Refused ({status}): {detail}"),
    "already": ("Pembangunan ulang sudah berjalan (versi {version}); mengikuti yang itu.",
                "A rebuild is already running (version {version}); following it."),
    "progress": ("Membangun ulang versi {version}: {pct:5.1f}% ({consumed}/{total} peristiwa)",
                 "Rebuilding version {version}: {pct:5.1f}% ({consumed}/{total} events)"),
    "done": ("Selesai: versi {version} aktif, {total} peristiwa dalam {seconds:.1f} dtk "
             "({rate:.0f}/dtk).",
             "Done: version {version} is live, {total} events in {seconds:.1f}s "
             "({rate:.0f}/s)."),
    "failed": ("Pembangunan ulang gagal: {error}", "Rebuild failed: {error}"),
    "started": ("Pembangunan ulang versi {version} dimulai.", "Rebuild of version {version} "
                "started."),
    "reconnecting": ("Koneksi terputus ({error}); menyambung lagi…",
                     "Connection lost ({error}); reconnecting…"),
    "EscalationRaised": ("ESKALASI", "ESCALATION"),
    "EscalationAcknowledged": ("DITERIMA", "ACKNOWLEDGED"),
    "EscalationResolved": ("SELESAI", "RESOLVED"),
    "case": ("perkara", "case"),
    "due": ("batas", "due"),
    "by": ("oleh", "by"),
}


def say(key: str, **kw: Any) -> str:
    indonesian, english = MESSAGES[key]
    return (english if lang() == "en" else indonesian).format(**kw)


def _settings():
    from chassis.settings import get_settings

    return get_settings()


def _base_url(url: str | None) -> str:
    if url:
        return url.rstrip("/")
    s = _settings()
    return f"http://{s.host}:{s.reporting_port}"


def _headers(user: str) -> dict[str, str]:
    from stack.tokens import make_token

    return {"Authorization": f"Bearer {make_token(user)}"}


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


# -- rebuild ------------------------------------------------------------------------------


@click.command()
@click.option("--url", envvar="AUDIENSI_REPORTING_URL", help="Reporting service base URL.")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Follow the progress until the new version is live.")
@click.option("--timeout", type=float, default=3600.0, show_default=True)
def rebuild(url: str | None, wait: bool, timeout: float) -> None:
    """Rebuild the read models from offset 0 of every topic into a fresh version; readers
    switch to it once it has caught up."""
    import httpx

    base, headers = _base_url(url), _headers("admin")
    try:
        r = httpx.post(f"{base}/admin/projections/rebuild", headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        _fail(say("unreachable", url=base, error=exc))
    if r.status_code == 409:
        click.echo(say("already", version=r.json().get("rebuild", {}).get("version", "?")))
    elif r.status_code != 202:
        _fail(say("refused", status=r.status_code, detail=r.json().get("detail", r.text)))
    else:
        click.echo(say("started", version=r.json()["version"]))
    if not wait:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = httpx.get(f"{base}/admin/projections/rebuild", headers=headers, timeout=30).json()
        if st.get("state") == "done":
            click.echo(say("done", version=st["version"], total=st.get("total", 0),
                           seconds=st.get("seconds", 0.0), rate=st.get("rate", 0.0)))
            return
        if st.get("state") in ("failed", "interrupted"):
            _fail(say("failed", error=st.get("error", st["state"])))
        click.echo(say("progress", version=st.get("version", "?"), pct=st.get("pct", 0.0),
                       consumed=st.get("consumed", 0), total=st.get("total", 0)))
        time.sleep(0.5)
    _fail(say("failed", error=f"timeout after {timeout:.0f}s"))


# -- escalations --------------------------------------------------------------------------


def parse_sse(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Server-Sent Events from text lines: {"id", "event", "data"} per dispatched event."""
    event: dict[str, str] = {}
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield {**event, "data": "\n".join(data)}
            event, data = {}, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name in ("id", "event"):
            event[name] = value


def _local(ts: str | None, tz: ZoneInfo) -> str:
    if not ts:
        return "-"
    return datetime.fromisoformat(ts).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def render(item: dict[str, Any], tz: ZoneInfo) -> str:
    """One line per escalation event, times in office time."""
    head = f"{_local(item.get('time'), tz)} {say(item['type']):<12}"
    what = f"{say('case')} {item['case_id']}"
    if item["type"] == "EscalationRaised":
        where = item.get("to_role") or "-"
        if item.get("to_division"):
            where += f"/{item['to_division']}"
        return (f"{head} L{item.get('level')} {item.get('reason')} · {what} · "
                f"{item.get('policy_id')} → {where} · {say('due')} "
                f"{_local(item.get('due_at'), tz)} · {item['escalation_id']}")
    extra = item.get("acknowledged_by") or item.get("resolution") or ""
    by = f"{say('by')} {extra}" if item.get("acknowledged_by") else extra
    return f"{head} {what} · {by} · {item['escalation_id']}"


def stream_feed(base: str, headers: dict[str, str], after: str | None, follow: bool,
                idle: float, out=click.echo, tz: ZoneInfo | None = None) -> int:
    """Print the feed; returns how many events were shown. Follow mode reconnects with
    Last-Event-ID, so nothing raised while disconnected is missed."""
    import httpx

    tz = tz or ZoneInfo("Asia/Jakarta")
    shown, backoff = 0, 0.5
    while True:
        h = {**headers, "Accept": "text/event-stream"}
        if after is not None:
            h["Last-Event-ID"] = after
        timeout = httpx.Timeout(10.0, read=None if follow else idle)
        try:
            with httpx.stream("GET", f"{base}/escalations/stream", headers=h,
                              timeout=timeout) as r:
                if r.status_code != 200:
                    r.read()
                    _fail(say("refused", status=r.status_code,
                              detail=r.json().get("detail", r.text)))
                backoff = 0.5
                for ev in parse_sse(r.iter_lines()):
                    after = ev.get("id", after)
                    out(render(json.loads(ev["data"]), tz))
                    shown += 1
        except httpx.ReadTimeout:
            if not follow:
                return shown
        except httpx.HTTPError as exc:
            if not follow:
                _fail(say("unreachable", url=base, error=exc))
            click.echo(say("reconnecting", error=exc.__class__.__name__), err=True)
            time.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
        if not follow:
            return shown


@click.command()
@click.option("--follow", "-f", is_flag=True,
              help="Keep printing new escalations as they are raised (Ctrl-C to stop).")
@click.option("--since", default=None,
              help="Feed id to start after (0 = everything kept). Default: everything kept, "
                   "or only new ones with --follow.")
@click.option("--user", default="ops", show_default=True, help="Whose view (a division head "
              "sees their division's escalations only).")
@click.option("--idle", type=float, default=2.0, show_default=True,
              help="Without --follow: stop after this many quiet seconds.")
@click.option("--url", envvar="AUDIENSI_REPORTING_URL", help="Reporting service base URL.")
def escalations(follow: bool, since: str | None, user: str, idle: float,
                url: str | None) -> None:
    """The escalation feed (raised, acknowledged, resolved), as the ops team sees it."""
    after = since if since is not None else (None if follow else "0")
    try:
        tz = ZoneInfo(os.environ.get("AUDIENSI_REPORTING_TIMEZONE", "Asia/Jakarta"))
        stream_feed(_base_url(url), _headers(user), after, follow, idle, tz=tz)
    except KeyboardInterrupt:
        pass
