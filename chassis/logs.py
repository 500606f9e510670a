"""JSON structured logs with no personal data (identity numbers are masked as a last guard)."""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

_LONG_DIGITS = re.compile(r"\b\d{12,20}\b")


class RedactPersonalData(logging.Filter):
    """Masks anything that looks like an identity number, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and _LONG_DIGITS.search(record.msg):
            record.msg = _LONG_DIGITS.sub("[REDACTED]", record.msg)
        if record.args:
            record.args = tuple(
                _LONG_DIGITS.sub("[REDACTED]", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        return True


def setup_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields={"service": service},
    ))
    handler.addFilter(RedactPersonalData())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "faust", "mode", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
