"""JSON structured logs with no personal data (identity numbers are masked as a last guard)."""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

#: 12 to 20 digits, also written in groups with spaces, dots or dashes (an NIK as
#: "3171 2345 0790 0001" or "31.71.23.450790.0001"; a phone as "0812-7000-2222")
_LONG_DIGITS = re.compile(r"(?<![\w.-])\d(?:[ .-]?\d){11,19}(?![\w-])")
REDACTED = "[REDACTED]"
#: the attributes every LogRecord has; anything else came in through `extra=`
_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message", "asctime", "color_message"}


def redact(value):
    """`value` with every identity-number-like digit run masked, through dicts, lists and
    tuples (the shapes `extra` fields come in)."""
    if isinstance(value, str):
        return _LONG_DIGITS.sub(REDACTED, value) if _LONG_DIGITS.search(value) else value
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if type(value) in (list, tuple):  # not namedtuples (e.g. a TopicPartition): kept as is
        return type(value)(redact(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 12:
        return REDACTED
    return value


class RedactPersonalData(logging.Filter):
    """Masks anything that looks like an identity number, whatever logged it: the message,
    its arguments and every `extra` field."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._redact(record)
        except Exception:  # noqa: BLE001 - a log filter must never break its caller
            record.msg, record.args = "[log record dropped: could not be redacted]", ()
        return True

    @staticmethod
    def _redact(record: logging.LogRecord) -> None:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = redact(record.args)
            else:
                args = record.args if isinstance(record.args, tuple) else (record.args,)
                record.args = tuple(redact(a) for a in args)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, redact(value))


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
