"""A real SMTP server for tests: aiosmtpd in its own OS thread."""
import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
        return "250 OK"


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.port = port
        self.messages = []
        self.lock = threading.Lock()
        self.controller = None

    def start(self):
        # aiosmtpd runs asyncio in a real thread; eventlet's patched threading must not be used here
        from eventlet.patcher import original

        real_threading = original("threading")
        import aiosmtpd.controller as ctl

        ctl.threading = real_threading
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()

    def wait_for(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)
