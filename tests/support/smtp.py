"""A real SMTP server for tests: aiosmtpd in its own OS thread.

The process runs under eventlet's monkey-patching, so the controller is given
the original (unpatched) ``threading`` module: asyncio then runs in a real OS
thread while green threads in the main thread send to it over real sockets.
The message list is guarded by a real lock for the same reason.

Every message is read as a mail client would read it (``email.policy.default``)
and the defects the parser registers are kept: ``defects()`` lists them, and
the fixtures that start a sink fail when any message had one.
"""
import email
import email.policy
import time

from aiosmtpd.controller import Controller
from eventlet.patcher import original

_real_threading = original("threading")


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink.scripted_reply(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self.sink.lock:
            self.sink.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message": message,
                    "defects": message_defects(message),
                }
            )
        return "250 OK"


def message_defects(message):
    """What Python's parser found wrong in a message: in its structure, its parts and each header (a header's
    defects are registered when the header is read)."""
    found = [f"{type(d).__name__}: {d}" for part in message.walk() for d in part.defects]
    for part in message.walk():
        for name, value in part.items():
            found += [f"{name}: {type(d).__name__}: {d}" for d in getattr(value, "defects", ())]
    return found


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.port = port
        self.messages = []
        self.lock = _real_threading.Lock()
        self.replies = {}
        self.controller = None

    def script(self, address, *replies):
        """Answer RCPT TO for ``address`` with these replies first (e.g. "451 4.3.0 Try later")."""
        with self.lock:
            self.replies.setdefault(address.lower(), []).extend(replies)

    def scripted_reply(self, address):
        with self.lock:
            queue = self.replies.get(address.lower())
            return queue.pop(0) if queue else None

    def start(self):
        import aiosmtpd.controller as ctl

        ctl.threading = _real_threading
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()

    def defects(self):
        """(subject, defects) of every message received with any."""
        return [(m["message"]["Subject"], m["defects"]) for m in self.snapshot() if m["defects"]]

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def to(self, address):
        return [m for m in self.snapshot() if address.lower() in [a.lower() for a in m["to"]]]

    def wait_for(self, count, timeout=10.0, where=None):
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.snapshot() if where is None or where(m)]
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)
