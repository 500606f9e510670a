"""`python -m services.sla`: the SLA service. A bad policy or calendar file stops it at
start with the file, line and problem on stderr (exit status 2, no traceback)."""

from __future__ import annotations

import sys

from chassis.settings import get_settings
from chassis.web import run
from services.sla.app import build, load_config
from services.sla.durations import ConfigError


def main() -> None:
    try:
        config = load_config(get_settings())
    except ConfigError as exc:
        print(f"sla: invalid configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    run("sla", lambda settings: build(settings, config))


if __name__ == "__main__":
    main()
