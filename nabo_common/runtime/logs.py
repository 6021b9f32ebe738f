"""Structured logs: JSON in production, readable text locally; every line of a
worker carries the request id."""
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

_configured = False
# fields put on log records with extra=..., shown as key=value in text logs
TEXT_EXTRAS = ("request_id", "duration_ms", "status", "outcome", "error")
# line breaks and other control characters, which would let a logged value (a request path) forge a line
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text):
    """``text`` with its control characters as Python escapes (a CR LF becomes the four characters \\r\\n)."""
    return CONTROL_RE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class TextFormatter(logging.Formatter):
    def formatMessage(self, record):
        # the message and its fields, not a traceback appended after them, are escaped
        line = escape_controls(super().formatMessage(record))
        extras = " ".join(f"{key}={escape_controls(str(getattr(record, key)))}"
                          for key in TEXT_EXTRAS if hasattr(record, key))
        return f"{line} [{extras}]" if extras else line


def configure(log_format="text", level="INFO"):
    global _configured
    root = logging.getLogger()
    if _configured:
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stdout)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        ))
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kombu", "amqp", "pika", "nameko", "alembic", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
