"""Transactional messages: who gets what, over which channel, once.

``notify`` renders a message per recipient in their language and records one
delivery row per (cause, recipient, channel). The unique key makes a second
attempt for the same cause a no-op, so a redelivered event, a replayed dead
letter or a second replica never produce a second message. E-mail rows are
sent later by the dispatcher; in-app rows are the inbox item itself.
"""
from dataclasses import dataclass

from services.notifications.domain import rendering
from services.notifications.domain.common import insert_ignoring_duplicates, utcnow
from services.notifications.models import Association, Contact, Delivery, InboxItem, Preference, new_id

TRANSACTIONAL = 0
CAMPAIGN = 1
# stands in for each recipient's own unsubscribe link in a rendered message (URL-safe, needs no escaping);
# the dispatcher puts the signed link in its place when it sends
UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.placeholder.invalid/link"
# stands in, in a digest, for the recipient's one-click unsubscribe from the network of one of its items:
# followed by /<network id>/<association id>
NETWORK_UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.placeholder.invalid/network"
# stands in for PUBLIC_BASE_URL in a rendered message's links to nabo's own pages (``link`` paths such as
# /v1/threads/{id}); the dispatcher puts the configured address in its place when it sends, so the
# messages that wait for a digest carry it too
PUBLIC_BASE_PLACEHOLDER = "https://public.placeholder.invalid"
# bundled into the daily or weekly digest for persons who asked for one
NON_URGENT = frozenset(
    {
        "recording_published",
        "match_introduced",
        "idea_status_changed",
        "initiative_launched",
        "membership_activated",
        "membership_lapsing",
    }
)


class ReadModelBehind(Exception):
    """An event names a person the read model does not know yet (their person.created is still on its way
    through another queue). Raising lets the consumer retry with backoff instead of silently skipping them."""


@dataclass(frozen=True)
class Recipient:
    person_id: str | None
    email: str | None
    name: str
    language: str | None = None

    @property
    def key(self):
        return self.person_id or f"email:{(self.email or '').lower()}"


def person(session, person_id, fallback=None):
    """A recipient from the read model; None if erased. ``fallback`` (data the event carries) fills in for
    a person not known yet; without it an unknown person means the read model is behind."""
    if not person_id:
        return None
    contact = session.get(Contact, person_id)
    if contact is not None and contact.erased:
        return None
    if contact is None:
        if fallback and fallback.get("email"):
            return Recipient(
                person_id, fallback.get("email"), fallback.get("name") or "", fallback.get("language")
            )
        raise ReadModelBehind(f"person {person_id} is not in the read model yet")
    return Recipient(contact.person_id, contact.email, contact.name, contact.language)


def guest(email, name, language):
    return Recipient(None, email, name or "", language) if email else None


def _language(preference, recipient, association):
    return rendering.pick_language(
        preference.language if preference else None,
        recipient.language,
        association.default_language if association else None,
    )


_LOOK_UP = object()


def rows_of(
    session,
    cause_id,
    kind,
    recipients,
    context,
    association_id=None,
    attachments=None,
    link=None,
    channels=("email", "inapp"),
    event_id=None,
    association=_LOOK_UP,
    network_id=None,
    digest_period=None,
    preferences=None,
):
    """The rows ``notify`` writes: ``(deliveries, inbox items)``, as ``notify``'s arguments say. ``event_id``:
    the calendar event the message is about, whose end starts the retention period of guests' copies.
    ``association``: the read model's Association of ``association_id`` (None: it has none), where the caller
    has read it already. ``network_id``: the network whose conversation the message is from (its mail
    offers a one-click unsubscribe from that network). ``digest_period``: the e-mail waits for that digest
    (daily or weekly) whatever the person's own digest setting. ``preferences``: the recipients'
    Preference rows (or None) by person id, where the caller has read them already. ``link``: what the
    message is about, the inbox item's link; a path of nabo's own is also the mail's main link (its
    ``action``), on PUBLIC_BASE_URL."""
    if link and link.startswith("/") and "action_url" not in context:
        context = dict(context, action_url=f"{PUBLIC_BASE_PLACEHOLDER}{link}")
    if association is _LOOK_UP:
        association = session.get(Association, association_id) if association_id else None
    now = utcnow()
    email_rows, inapp_rows, inbox_rows, seen = [], [], [], set()
    for recipient in recipients:
        if recipient is None or recipient.key in seen:
            continue
        seen.add(recipient.key)
        if not recipient.person_id:
            preference = None
        elif preferences is not None:
            preference = preferences.get(recipient.person_id)
        else:
            preference = session.get(Preference, recipient.person_id)
        language = _language(preference, recipient, association)
        message = rendering.render_for_reader(kind, language, dict(context, name=recipient.name or ""),
                                              unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER if network_id else None)
        common = {
            "cause_id": str(cause_id),
            "recipient": recipient.key,
            "kind": kind,
            "priority": TRANSACTIONAL,
            "association_id": association_id,
            "person_id": recipient.person_id,
            "event_id": event_id,
            "network_id": network_id,
            "language": language,
            "name": recipient.name,
            "subject": message.subject,
            "created_at": now,
            "next_attempt_at": now,
        }
        if "email" in channels and recipient.email and (preference is None or preference.email):
            held = digest_period is not None or (
                kind in NON_URGENT and preference is not None and preference.digest != "immediate")
            email_rows.append(
                dict(
                    common,
                    digest_period=digest_period,
                    channel="email",
                    email=recipient.email,
                    text_body=message.text,
                    html_body=message.html,
                    attachments=attachments,
                    status="held" if held else "queued",
                    sent_at=None,
                )
            )
        if "inapp" in channels and recipient.person_id and (preference is None or preference.inapp):
            inapp_rows.append(
                dict(
                    common,
                    channel="inapp",
                    digest_period=None,
                    email=None,
                    text_body=None,
                    html_body=None,
                    attachments=None,
                    status="sent",
                    sent_at=now,
                )
            )
            inbox_rows.append(
                {
                    "id": new_id(),
                    "person_id": recipient.person_id,
                    "cause_id": str(cause_id),
                    "kind": kind,
                    "title": message.subject,
                    "body": message.summary,
                    "link": link,
                    "created_at": now,
                }
            )
    return email_rows + inapp_rows, inbox_rows


def notify(session, cause_id, kind, recipients, context, association_id=None, **options):
    """Record ``kind`` for each recipient (deduplicated); returns the number of new deliveries. The options
    are ``rows_of``'s."""
    delivery_rows, inbox_rows = rows_of(session, cause_id, kind, recipients, context, association_id,
                                        **options)
    created = insert_ignoring_duplicates(session, Delivery, delivery_rows,
                                         ["cause_id", "recipient", "channel"])
    insert_ignoring_duplicates(session, InboxItem, inbox_rows, ["cause_id", "person_id"])
    return created
