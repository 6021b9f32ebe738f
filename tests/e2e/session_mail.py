"""The SMTP server that the end-to-end session's notifications service sends its mail to."""
from tests.support.infra import free_port
from tests.support.smtp import SmtpSink

SINK = SmtpSink(port=free_port())
SINK.start()
