"""E-mail over SMTP: building multipart messages and sending them.

One connection is kept open for a batch of messages. Failures are sorted
into temporary (4xx replies, dropped connections, timeouts: retried with
backoff) and permanent (5xx replies: recorded, not retried).

Messages are written out as bytes by a ``MessageTemplate``: its headers are
folded and its layout fixed once. Campaign mail, the same message to
thousands, fills in only To, Date, Message-ID and the unsubscribe link of each
copy; transactional mail (a confirmation with its calendar attached) is a
template used once and says so (``Auto-Submitted: auto-generated``, RFC 3834).
Every message parses without defects under ``email.policy.default``: a
header's value starts on its own line, Date has a numeric zone, Message-ID is
a dot-atom. Building an ``EmailMessage`` and flattening it cost more
than everything else a confirmation's event causes in this service;
``build_message`` stays as the reference the templates are tested against.
"""
import base64
import binascii
import re
import smtplib
import ssl
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes
from email import policy as email_policy
from email.header import Header
from email.headerregistry import Address, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache

# headers folded as they go over the wire (CRLF line ends, RFC 2047 for non-ASCII)
WIRE = email_policy.SMTP
TRANSACTIONAL_HEADERS = {"Auto-Submitted": "auto-generated"}
# what a Message-ID's left part may hold besides letters and digits (RFC 5322 atext, less the rare ones)
MESSAGE_ID_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._+=-]+")


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def sender_domain(address):
    return parseaddr(address)[1].rpartition("@")[2] or "nabo.localhost"


def message_id(domain, *parts):
    """``<parts joined by dots@domain>``, each part cut down to characters a dot-atom may hold."""
    local = ".".join(MESSAGE_ID_UNSAFE_RE.sub("-", str(part)).strip(".") for part in parts)
    return f"<{re.sub(r'[.]{2,}', '.', local)}@{domain}>"


def list_id(description, identifier):
    """A List-Id value (RFC 2919): ``"description" <identifier>``."""
    return formataddr((description, identifier))


def mail_date():
    """Now, as RFC 5322 writes it (numeric zone, not the obsolete "GMT")."""
    return format_datetime(datetime.now(timezone.utc))


def display_name(name):
    """A recipient's name as a header may carry it: control characters (a guest may type any) would make
    the header defective; line breaks are left for the checks that refuse them."""
    return "".join(" " if unicodedata.category(c) == "Cc" and c not in "\r\n" else c for c in name or "")


def build_message(*, mail_from, to_email, to_name, subject, text, html, message_id, attachments=(),
                  reply_to=None, unsubscribe_url=None, headers=None):
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((display_name(to_name), to_email))
    message["Subject"] = subject
    message["Date"] = mail_date()
    message["Message-ID"] = message_id
    if reply_to:
        message["Reply-To"] = reply_to
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in attachments or ():
        # text attachments (the event's iCalendar file) travel as UTF-8 text
        subtype = attachment["content_type"].partition("/")[2]
        params = {"method": calendar_method(attachment["content"])} if subtype == "calendar" else {}
        message.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"],
                               params=params)
    return message


@dataclass(frozen=True)
class PreparedMessage:
    """A message written out for SMTP: envelope addresses and the bytes of the message."""
    mail_from: str
    to_email: str
    message_id: str
    data: bytes


class MessageTemplate:
    """A text and HTML message (with ``attachments``: multipart/mixed) to one or many recipients;
    ``placeholder`` in both bodies becomes each recipient's unsubscribe link."""

    def __init__(self, *, mail_from, subject, text, html, placeholder=None, reply_to=None, headers=None,
                 attachments=()):
        self.envelope_from = _envelope_address(mail_from)
        self.text, self.html, self.placeholder = _crlf(text), _crlf(html), placeholder
        # a quoted-printable or base64 body never holds "=_", so these boundaries cannot occur inside a part
        token = uuid.uuid4().hex
        self.boundary = f"=_nabo_{token}"
        fixed = [("From", mail_from), ("Subject", subject), *([("Reply-To", reply_to)] if reply_to else []),
                 *(headers or {}).items()]
        self.fixed_headers = "".join(_folded(name, value) for name, value in fixed)
        alternative = f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
        if attachments:
            mixed = f"=_nabo_mixed_{token}"
            self.body_headers = (
                f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n'
            )
            self.prefix = f"--{mixed}\r\n{alternative}\r\n".encode("ascii")
            self.suffix = b"".join(_attachment(mixed, a) for a in attachments) + f"--{mixed}--\r\n".encode(
                "ascii"
            )
        else:
            self.body_headers = f"MIME-Version: 1.0\r\n{alternative}\r\n"
            self.prefix, self.suffix = b"", b""

    def render(self, *, to_email, to_name, message_id, unsubscribe_url=None):
        """The recipient's copy; raises ValueError for values that cannot go into a header (as
        ``build_message`` does), including an internationalised address."""
        to = formataddr((display_name(to_name), to_email))
        recipient_fields = f"{to}{message_id}{unsubscribe_url or ''}"
        if "\n" in recipient_fields or "\r" in recipient_fields:
            raise ValueError("header values may not contain line breaks")  # as EmailMessage refuses them
        if not to_email.isascii():
            raise ValueError("an internationalised address needs SMTPUTF8")  # as EmailMessage refuses it
        to_header = f"To: {to}\r\n" if to.isascii() and len(to) < 78 else _folded("To", to)
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL;
        # written unfolded so that it stays one angle-bracketed URL
        unsubscribe = (
            f"List-Unsubscribe: <{unsubscribe_url}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            if unsubscribe_url
            else ""
        )
        head = (
            f"{self.fixed_headers}{to_header}Date: {mail_date()}\r\nMessage-ID: {message_id}\r\n"
            f"{unsubscribe}{self.body_headers}"
        )
        parts = b"".join(
            self._part(subtype, self._personal(body, unsubscribe_url))
            for subtype, body in (("plain", self.text), ("html", self.html))
        )
        data = (
            head.encode("ascii")
            + self.prefix
            + parts
            + f"--{self.boundary}--\r\n".encode("ascii")
            + self.suffix
        )
        return PreparedMessage(
            mail_from=self.envelope_from, to_email=to_email, message_id=message_id, data=data
        )

    def _personal(self, body, unsubscribe_url):
        return (
            body.replace(self.placeholder, unsubscribe_url) if self.placeholder and unsubscribe_url else body
        )

    def _part(self, subtype, body):
        encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True)
        return (
            (
                f'--{self.boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
                f"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode("ascii")
            + encoded
            + b"\r\n"
        )


def compose(*, mail_from, to_email, to_name, subject, text, html, message_id, attachments=(),
            unsubscribe_url=None, headers=None):
    """One transactional message as bytes, the same message ``build_message`` builds (tested)."""
    template = MessageTemplate(
        mail_from=mail_from,
        subject=subject,
        text=text,
        html=html,
        headers={**TRANSACTIONAL_HEADERS, **(headers or {})},
        attachments=attachments or (),
    )
    return template.render(to_email=to_email, to_name=to_name, message_id=message_id,
                           unsubscribe_url=unsubscribe_url)


CALENDAR_METHOD = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def calendar_method(content):
    """The iTIP method a calendar part states (RFC 6047 wants it on the MIME type too); PUBLISH by default."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    found = CALENDAR_METHOD.search(text)
    return found.group(1) if found else "PUBLISH"


def _attachment(boundary, attachment):
    """A text attachment (the event's iCalendar file) as UTF-8 text, base64-encoded."""
    subtype = attachment["content_type"].partition("/")[2]
    content = attachment["content"]
    params = f'; method="{calendar_method(content)}"' if subtype == "calendar" else ""
    content_type = _folded("Content-Type", f'{attachment["content_type"]}; charset="utf-8"{params}')
    disposition = _folded("Content-Disposition", f'attachment; filename="{attachment["filename"]}"')
    encoded = base64.encodebytes(content.encode("utf-8") if isinstance(content, str) else content)
    return f"--{boundary}\r\n{content_type}Content-Transfer-Encoding: base64\r\n{disposition}\r\n".encode(
        "ascii"
    ) + encoded.replace(b"\n", b"\r\n")


# control characters other than tab have no place in a header's text (a title's BEL would go out raw);
# line breaks become spaces, the others go
HEADER_LINE_BREAKS_RE = re.compile(r"[\r\n]+")
HEADER_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@lru_cache(maxsize=4096)
def _folded(name, value):
    """One header line as it goes over the wire: folded, non-ASCII text as RFC 2047 encoded words.
    Remembered: the e-mail package's header machinery is slow, and senders and subjects repeat.
    A value that fits on one continuation line but not after its name is folded by the e-mail package
    right after the colon; readers then show it with a leading space, so it is put back after the name
    (the line stays far below the 998 characters a line may hold). Text (a subject) is read back as a
    mail reader reads it: where the e-mail package's folding put a space between two encoded words,
    which readers drop ("Abwärme verfügbar" read as "Abwärmeverfügbar"), it is encoded whole instead,
    its spaces inside the encoded words."""
    header = WIRE.header_factory(name, value)
    if isinstance(header, UnstructuredHeader):
        value = HEADER_CONTROLS_RE.sub("", HEADER_LINE_BREAKS_RE.sub(" ", value))
        header = WIRE.header_factory(name, value)
    folded = header.fold(policy=WIRE)
    if isinstance(header, UnstructuredHeader) and not value.isascii() and _read_back(name, folded) != value:
        return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=CRLF)}{CRLF}"
    return f"{name}: {folded[len(name) + 4 :]}" if folded.startswith(f"{name}:\r\n ") else folded


CRLF = "\r\n"


def _read_back(name, folded):
    return message_from_bytes(folded.encode("ascii") + b"\r\n", policy=email_policy.default)[name]


def _crlf(text):
    """CRLF line ends throughout, ending in one: binascii's quoted-printable encoder takes its line end
    (also for soft line breaks) from the first line."""
    text = text.replace("\r\n", "\n")
    return (text if text.endswith("\n") else text + "\n").replace("\n", "\r\n")


@lru_cache(maxsize=256)
def _envelope_address(mail_from):
    """The address alone, for SMTP's MAIL FROM (parsing it cost more than writing the message's headers)."""
    return parseaddr(mail_from)[1]


def display_from(name, mail_from):
    """The configured sending address with another display name (keeps SPF and DMARC aligned)."""
    _, address = parseaddr(mail_from)
    return str(Address(display_name=name or "", addr_spec=address))


# an address smtplib's quoting would give back as it is, in angle brackets: a dot-atom of RFC 5322's atext
# on each side of the @, in ASCII
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS_RE = re.compile(rf"{ATEXT}(?:\.{ATEXT})*@{ATEXT}(?:\.{ATEXT})*")


class PlainEnvelope:
    """``MAIL FROM`` and ``RCPT TO`` with a plain address written as it is. smtplib parses every envelope
    address with the e-mail package's address parser to quote it (a twentieth of the CPU a confirmation
    cost the notifications service); a plain address needs no parsing and comes out the same. Any other
    address, and SMTPUTF8, go through smtplib's own methods."""

    def mail(self, sender, options=()):
        if not PLAIN_ADDRESS_RE.fullmatch(sender) or any(option.lower() == "smtputf8" for option in options):
            return super().mail(sender, options)
        self.putcmd("mail", f"FROM:<{sender}>{self._options(options)}")
        return self.getreply()

    def rcpt(self, recip, options=()):
        if not PLAIN_ADDRESS_RE.fullmatch(recip):
            return super().rcpt(recip, options)
        self.putcmd("rcpt", f"TO:<{recip}>{self._options(options)}")
        return self.getreply()

    def _options(self, options):
        return " " + " ".join(options) if options and self.does_esmtp else ""


class Smtp(PlainEnvelope, smtplib.SMTP):
    pass


class SmtpSsl(PlainEnvelope, smtplib.SMTP_SSL):
    pass


class SmtpMailer:
    def __init__(self, config):
        self.config = config
        self.connection = None

    def _connect(self):
        cfg = self.config
        if cfg.smtp_security == "tls":
            connection = SmtpSsl(
                cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout, context=ssl.create_default_context()
            )
        else:
            connection = Smtp(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout)
            if cfg.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if cfg.smtp_username:
            connection.login(cfg.smtp_username, cfg.smtp_password)
        return connection

    def send(self, message):
        """Send one message (an EmailMessage or a PreparedMessage); raises TemporaryFailure or
        PermanentFailure."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            if isinstance(message, PreparedMessage):
                self.connection.sendmail(message.mail_from, [message.to_email], message.data)
            else:
                self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, reply = next(iter(exc.recipients.values()))
            raise _classified(code, reply) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _classified(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:900]) from None

    def close(self):
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


def _classified(code, reply):
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    text = f"SMTP {code} {reply}"[:900]
    return PermanentFailure(text) if 500 <= int(code) < 600 else TemporaryFailure(text)
