"""Log lines cannot be forged through logged values: control characters in
messages and fields are escaped, a traceback keeps its lines."""
import logging

from nabo_common.runtime.logs import TextFormatter


def _line(message, *args, **extra):
    record = logging.LogRecord("nabo.gateway", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return TextFormatter("%(levelname)s %(name)s: %(message)s").format(record)


def test_control_characters_in_messages_and_fields_are_escaped():
    line = _line("%s %s %s", "GET", "/v1/networks/a\r\nINFO nabo.gateway: forged\x1b[2J\x00", 404,
                 request_id="r\nx", status=404)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\x00" not in line
    assert "a\\r\\nINFO nabo.gateway: forged\\x1b[2J\\x00" in line and "request_id=r\\nx" in line


def test_a_traceback_keeps_its_lines():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("nabo", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "\nTraceback" in TextFormatter("%(message)s").format(record)
