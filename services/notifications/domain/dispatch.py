"""Sending queued e-mail deliveries, safely across replicas and crashes.

A delivery row moves queued → claimed → sending → sent | failed (or back to
queued with a later ``next_attempt_at`` after a temporary failure):

1. ``claim`` takes a batch of due rows with ``FOR UPDATE SKIP LOCKED`` and
   marks them claimed with a lease, in one transaction. Two replicas never
   claim the same row.
2. For each row: wait for the send rate (campaign mail), mark it sending
   (commit), talk SMTP outside any transaction, then mark the outcome (commit).
3. A crash leaves rows claimed or sending until their lease runs out. Claimed
   rows were never handed to SMTP: they go back to the queue. A row still
   *sending* may or may not have been accepted by the SMTP server before the
   crash. We choose at-most-once: it is marked failed ("interrupted") and not
   sent again, because a second copy of a newsletter is worse than a rare
   missing one, and the row shows up in the campaign's failed list for an
   admin to see. The window is one message per replica.
"""
from datetime import timedelta

from sqlalchemy import select, update

from services.notifications import mailer as mail
from services.notifications.domain import campaigns as campaigns_mod
from services.notifications.domain import rendering, unsubscribe
from services.notifications.domain.audience import CONSENT_FOR_KIND
from services.notifications.domain.common import locked, utcnow
from services.notifications.domain.deliveries import CAMPAIGN
from services.notifications.models import Association, Campaign, Delivery

INTERRUPTED = "interrupted while being sent; not sent again so that nobody receives a second copy"
MAX_RETRY_DELAY = timedelta(hours=6)
# stands in for each recipient's own unsubscribe link in the per-language layout (URL-safe, needs no escaping)
PLACEHOLDER = "https://unsubscribe.placeholder.invalid/link"


def recover_stale(session, now):
    """Rows whose worker died: never-started ones are queued again, in-flight ones are failed."""
    requeued = session.execute(update(Delivery).where(
        Delivery.status == "claimed", Delivery.lease_until < now).values(status="queued", lease_until=None)).rowcount
    interrupted = session.execute(update(Delivery).where(
        Delivery.status == "sending", Delivery.lease_until < now).values(
        status="failed", last_error=INTERRUPTED, lease_until=None)).rowcount
    return requeued, interrupted


def claim(session, limit, lease_seconds, now=None):
    now = now or utcnow()
    with session.begin():
        recover_stale(session, now)
        rows = session.scalars(locked(session, select(Delivery).where(
            Delivery.status == "queued", Delivery.channel == "email", Delivery.next_attempt_at <= now)
            .order_by(Delivery.priority, Delivery.id).limit(limit))).all()
        for row in rows:
            row.status = "claimed"
            row.lease_until = now + timedelta(seconds=lease_seconds)
    return rows


class MessageBuilder:
    """Turns a delivery row into an EmailMessage; the batch's campaigns are loaded once, up front."""

    def __init__(self, session, config, rows):
        self.config = config
        self.campaigns = {}
        self.layouts = {}
        campaign_ids = {row.campaign_id for row in rows if row.campaign_id}
        if campaign_ids:
            with session.begin():
                for campaign in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids))):
                    self.campaigns[campaign.id] = (campaign, session.get(Association, campaign.association_id))

    def build(self, row):
        domain = mail.sender_domain(self.config.mail_from)
        common = {"to_email": row.email, "to_name": row.name, "message_id": f"<nabo.{row.id}.{row.cause_id}@{domain}>"}
        if row.priority != CAMPAIGN:
            return mail.build_message(mail_from=self.config.mail_from, subject=row.subject, text=row.text_body,
                                      html=row.html_body, attachments=row.attachments, **common)
        campaign, association = self.campaigns[row.campaign_id]
        subject, text, html = self._layout(campaign, association, row.language)
        unsubscribe_url = unsubscribe.link(self.config, row.person_id, campaign.association_id,
                                           CONSENT_FOR_KIND[campaign.kind], campaign.id)
        text, html = text.replace(PLACEHOLDER, unsubscribe_url), html.replace(PLACEHOLDER, unsubscribe_url)
        return mail.build_message(mail_from=mail.display_from(campaign.sender_name, self.config.mail_from),
                                  reply_to=campaign.sender_email, subject=subject, text=text, html=html,
                                  unsubscribe_url=unsubscribe_url, headers={"X-Nabo-Campaign": campaign.code},
                                  **common)


    def _layout(self, campaign, association, language):
        """The campaign laid out once per language; only the unsubscribe link differs per recipient."""
        key = (campaign.id, language)
        if key not in self.layouts:
            language, subject, body = campaigns_mod.render_for(campaign, association, language)
            text, html = rendering.wrap(language, subject, body, unsubscribe_url=PLACEHOLDER,
                                        sender=campaign.sender_name)
            self.layouts[key] = (subject, text, html)
        return self.layouts[key]


def _mark(session, row_id, from_status, **values):
    with session.begin():
        # no session synchronisation: the batch's rows in the session are not consulted again
        return session.execute(update(Delivery).where(Delivery.id == row_id, Delivery.status == from_status)
                               .values(**values).execution_options(synchronize_session=False)).rowcount


def retry_delay(config, attempts):
    return min(MAX_RETRY_DELAY, timedelta(seconds=config.retry_base_seconds * 2 ** max(0, attempts - 1)))


def send_batch(session, rows, mailer, pacer, config):
    """Send claimed rows one by one; returns a dict of outcome counts."""
    builder = MessageBuilder(session, config, rows)
    outcome = {"sent": 0, "retry": 0, "failed": 0}
    try:
        for row in rows:
            try:
                message = builder.build(row)
            except Exception as exc:  # a message that cannot be built never will be: record it, go on
                _mark(session, row.id, "claimed", status="failed", last_error=f"cannot build: {exc}"[:1000],
                      lease_until=None)
                outcome["failed"] += 1
                continue
            if row.priority == CAMPAIGN:
                pacer.wait()
            now = utcnow()
            if not _mark(session, row.id, "claimed", status="sending", attempts=row.attempts + 1,
                         lease_until=now + timedelta(seconds=config.lease_seconds)):
                continue  # no longer ours (lease ran out and another replica took it)
            try:
                mailer.send(message)
            except mail.TemporaryFailure as exc:
                attempts = row.attempts + 1
                if attempts >= config.delivery_max_attempts:
                    _mark(session, row.id, "sending", status="failed", last_error=str(exc), lease_until=None)
                    outcome["failed"] += 1
                else:
                    _mark(session, row.id, "sending", status="queued", last_error=str(exc), lease_until=None,
                          next_attempt_at=utcnow() + retry_delay(config, attempts))
                    outcome["retry"] += 1
                continue
            except mail.PermanentFailure as exc:
                _mark(session, row.id, "sending", status="failed", last_error=str(exc), lease_until=None)
                outcome["failed"] += 1
                continue
            _mark(session, row.id, "sending", status="sent", sent_at=utcnow(), message_id=message["Message-ID"],
                  last_error=None, lease_until=None)
            outcome["sent"] += 1
    except Exception:
        # a database or broker hiccup: hand back what this batch has not started, rather than wait for the lease
        with session.begin():
            session.execute(update(Delivery).where(Delivery.id.in_([r.id for r in rows]),
                                                   Delivery.status == "claimed").values(status="queued",
                                                                                        lease_until=None))
        raise
    finally:
        mailer.close()
    return outcome


def batch_size(config):
    """About two seconds of campaign mail per batch, so replicas share the work and ticks stay short."""
    return int(max(10, min(500, config.campaign_send_rate * 2)))
