"""E-mail over SMTP: building multipart messages and sending them.

One connection is kept open for a batch of messages. Failures are sorted
into temporary (4xx replies, dropped connections, timeouts: retried with
backoff) and permanent (5xx replies: recorded, not retried).
"""
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def sender_domain(address):
    return parseaddr(address)[1].rpartition("@")[2] or "nabo.localhost"


def build_message(*, mail_from, to_email, to_name, subject, text, html, message_id, attachments=(),
                  reply_to=None, unsubscribe_url=None, headers=None):
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((to_name or "", to_email))
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
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
        params = {"method": "PUBLISH"} if subtype == "calendar" else {}
        message.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"],
                               params=params)
    return message


def display_from(name, mail_from):
    """The configured sending address with another display name (keeps SPF and DMARC aligned)."""
    _, address = parseaddr(mail_from)
    return str(Address(display_name=name or "", addr_spec=address))


class SmtpMailer:
    def __init__(self, config):
        self.config = config
        self.connection = None

    def _connect(self):
        cfg = self.config
        if cfg.smtp_security == "tls":
            connection = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout)
            if cfg.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if cfg.smtp_username:
            connection.login(cfg.smtp_username, cfg.smtp_password)
        return connection

    def send(self, message):
        """Send one message; raises TemporaryFailure or PermanentFailure."""
        try:
            if self.connection is None:
                self.connection = self._connect()
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
