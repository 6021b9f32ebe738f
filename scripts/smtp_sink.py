"""A local SMTP sink for development: receives every message, prints its
recipients and subject, and keeps the last 200 viewable over HTTP.

    python scripts/smtp_sink.py [--smtp-port 1025] [--http-port 8025] [--count-only]

GET http://127.0.0.1:8025/ lists them as plain text; add ?format=json (or
send Accept: application/json) for JSON with headers and text bodies.
GET /messages/<id>.eml answers a message as it was received (RFC 5322,
message/rfc822), for a mail client or Python's email parser; each message's
id and raw_url are in the listing.
GET /status answers JSON counts: messages, their bytes, recipients, distinct
recipients and recipients missing from their message's To header.

``--count-only`` (for load runs) neither parses, prints nor keeps messages:
it only counts and checks recipients against the raw header block, so the
sink costs the sender as little as a real relay would.
"""
import argparse
import collections
import email
import email.policy
import json
import re
import signal
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

KEEP = 200
RAW_PATH = re.compile(r"/messages/(\d+)\.eml")


class Mailbox:
    def __init__(self, keep=KEEP, count_only=False):
        self.messages = collections.deque(maxlen=keep)
        self.lock = threading.Lock()
        self.count_only = count_only
        self.received = self.recipients = self.not_in_to_header = self.bytes = 0
        self.seen = set()
        self.raw = {}  # id -> the message's bytes as received, for as long as it is kept
        self.next_id = 1

    def count(self, recipients, raw):
        """Tally a message; a recipient is checked against the To header without parsing the message."""
        headers = raw.partition(b"\r\n\r\n")[0].lower()
        # [^\r\n]: "." stops before "\n" but takes the "\r", and then the folded lines were never read
        to_header = re.search(rb"^to:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", headers, re.MULTILINE)
        to_header = to_header.group(1) if to_header else b""
        with self.lock:
            self.received += 1
            self.bytes += len(raw)
            for address in recipients:
                self.recipients += 1
                self.seen.add(address.lower())
                if address.lower().encode() not in to_header:
                    self.not_in_to_header += 1

    def status(self):
        with self.lock:
            return {"messages": self.received, "bytes": self.bytes, "recipients": self.recipients,
                    "distinct_recipients": len(self.seen), "not_in_to_header": self.not_in_to_header}

    def add(self, mail_from, recipients, raw):
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        entry = {
            "id": None,
            "received_at": datetime.now(timezone.utc).isoformat(),
            "from": mail_from,
            "to": list(recipients),
            "subject": str(message.get("Subject", "")),
            "headers": {k: str(v) for k, v in message.items()},
            "text": body.get_content() if body is not None else "",
            "attachments": [part.get_filename() for part in message.iter_attachments()],
        }
        with self.lock:
            entry["id"] = self.next_id
            entry["raw_url"] = f"/messages/{self.next_id}.eml"
            self.next_id += 1
            if len(self.messages) == self.messages.maxlen:
                self.raw.pop(self.messages[0]["id"], None)
            self.messages.append(entry)
            self.raw[entry["id"]] = raw
        return entry

    def raw_message(self, message_id):
        with self.lock:
            return self.raw.get(message_id)

    def snapshot(self):
        with self.lock:
            return list(self.messages)


class _SmtpHandler:
    def __init__(self, mailbox):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.mailbox.count(envelope.rcpt_tos, raw)
        if self.mailbox.count_only:
            return "250 OK"
        entry = self.mailbox.add(envelope.mail_from, envelope.rcpt_tos, raw)
        print(f"mail to {', '.join(entry['to'])}: {entry['subject']}", flush=True)
        return "250 OK"


def _http_handler(mailbox):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/status":
                return self._send(json.dumps(mailbox.status()), "application/json")
            found = RAW_PATH.fullmatch(url.path)
            if found:
                raw = mailbox.raw_message(int(found.group(1)))
                if raw is None:
                    return self._send("no such message (only the last ones are kept)\n",
                                      "text/plain; charset=utf-8", status=404)
                return self._send(raw, "message/rfc822")
            wants_json = parse_qs(url.query).get("format") == [
                "json"
            ] or "application/json" in self.headers.get("Accept", "")
            messages = list(reversed(mailbox.snapshot()))
            if wants_json:
                body, content_type = json.dumps(messages, indent=2), "application/json"
            else:
                lines = [f"{len(messages)} message(s), newest first", ""]
                for m in messages:
                    lines += [
                        f"{m['received_at']}  to {', '.join(m['to'])}",
                        f"  subject: {m['subject']}",
                        f"  raw: {m['raw_url']}",
                        *(f"  attachment: {a}" for a in m["attachments"] if a),
                        "",
                    ]
                body, content_type = "\n".join(lines), "text/plain; charset=utf-8"
            self._send(body, content_type)

        def _send(self, body, content_type, status=200):
            data = body if isinstance(body, bytes) else body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python scripts/smtp_sink.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--count-only", action="store_true", help="count and check recipients, keep nothing")
    args = parser.parse_args(argv)
    mailbox = Mailbox(count_only=args.count_only)
    controller = Controller(_SmtpHandler(mailbox), hostname=args.host, port=args.smtp_port)
    controller.start()
    web = ThreadingHTTPServer((args.host, args.http_port), _http_handler(mailbox))
    threading.Thread(target=web.serve_forever, daemon=True).start()
    print(
        f"SMTP sink on {args.host}:{args.smtp_port}; messages at http://{args.host}:{args.http_port}/",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        web.shutdown()
        controller.stop()


if __name__ == "__main__":
    main()
