"""`python -m services.console`: the console on AUDIENSI_CONSOLE_PORT (default 8000)."""

from __future__ import annotations


def main() -> None:
    import uvicorn

    from chassis.logs import setup_logging
    from chassis.settings import get_settings

    from .app import build

    settings = get_settings()
    setup_logging("console", settings.log_level)
    api = build(settings)
    uvicorn.run(api, host=settings.host, port=settings.port_for("console"), log_config=None,
                lifespan="on", timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
