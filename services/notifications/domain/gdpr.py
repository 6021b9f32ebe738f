"""GDPR: everything this service holds about a person, and erasure."""
import re

from markupsafe import escape
from sqlalchemy import delete, or_, select, true, update

from contracts.api import notifications as schemas
from nabo_common.api.moments import utc_text
from nabo_common.api.validation import dump
from nabo_common.i18n.catalogues import N_, gettext
from nabo_common.messaging import outbox
from services.notifications.domain import access, preferences, quoted_titles, written_messages
from services.notifications.domain.deliveries import PUBLIC_BASE_PLACEHOLDER
from services.notifications.models import (
    AuthoredTitle,
    ConsentState,
    Contact,
    ContactOrganisation,
    Delivery,
    InboxItem,
    NetworkMember,
    NetworkPreference,
    OutboxEvent,
    Preference,
    Registration,
)

# the read model's name of an erased person; the messages others got name it in the reader's language
ERASED_NAME = N_("Erased person")
REMOVED_TITLE = N_("(title removed)")
REMOVED_EMAIL = N_("(e-mail address removed)")
REMOVED_MESSAGE = N_("(message removed)")


def export(session, caller, person_id):
    person_id = access.person_or_404(session, caller, person_id)
    contact = session.get(Contact, person_id)
    deliveries = session.scalars(select(Delivery).where(Delivery.person_id == person_id)
                                 .order_by(Delivery.created_at)).all()
    return {
        "service": "notifications",
        "contact": None
        if contact is None
        else {
            "name": contact.name,
            "email": contact.email,
            "language": contact.language,
            "birth_year": contact.birth_year,
            "email_bounced_at": utc_text(contact.email_bounced_at),
        },
        # networks named in the caller's language, as their preferences name them
        "preferences": preferences.view(person_id, session.get(Preference, person_id),
                                        preferences.network_modes(session, person_id, caller.language)),
        "consents": [
            {
                "association_id": c.association_id,
                "kind": c.kind,
                "granted": c.granted,
                "recorded_at": utc_text(c.recorded_at),
            }
            for c in session.scalars(select(ConsentState).where(ConsentState.person_id == person_id))
        ],
        "messages": [
            {
                "kind": d.kind,
                "channel": d.channel,
                "subject": d.subject,
                "email": d.email,
                "status": d.status,
                "campaign_id": d.campaign_id,
                "created_at": utc_text(d.created_at),
                "sent_at": utc_text(d.sent_at),
            }
            for d in deliveries
        ],
        "inbox": dump(
            schemas.InboxItem,
            session.scalars(
                select(InboxItem).where(InboxItem.person_id == person_id).order_by(InboxItem.created_at)
            ).all(),
            many=True,
        ),
        "registrations": [
            {"event_id": r.event_id, "status": r.status, "email": r.email}
            for r in session.scalars(select(Registration).where(Registration.person_id == person_id))
        ],
        "networks": list(
            session.scalars(select(NetworkMember.network_id).where(NetworkMember.person_id == person_id))
        ),
    }


def _like(text):
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _readers_language(session, row):
    """The language a message was rendered in for its reader (an inbox item: that of its mail rows)."""
    if isinstance(row, Delivery):
        return row.language
    return session.scalar(select(Delivery.language).where(Delivery.cause_id == row.cause_id,
                                                         Delivery.person_id == row.person_id).limit(1))


def _in_readers_language(session, row, message):
    text = gettext(_readers_language(session, row) or "en", message)
    return {False: text, True: str(escape(text))}


def _whole(text):
    """``text`` where it stands as a whole (no letter or digit right before or after it)."""
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


def _address(email):
    """``email`` in parentheses, as a message gives a contact's address, or as a whole where it stands
    alone: either is what "(e-mail address removed)", in parentheses itself, takes the place of."""
    return re.compile(rf"\({re.escape(email)}\)|{_whole(email).pattern}")


MESSAGE_COLUMNS = ((InboxItem, ("title", "body")), (Delivery, ("subject", "text_body", "html_body")))


def _reworded(session, row, columns, patterns, wording):
    """What ``patterns`` (``{html: pattern}``) find in ``row``'s message ``columns`` becomes ``wording`` in
    the row's reader's language (escaped in the HTML part)."""
    replacement = _in_readers_language(session, row, wording)
    for column in columns:
        value = getattr(row, column)
        if value:
            html = column == "html_body"
            setattr(row, column, patterns[html].sub(lambda _: replacement[html], value))


def _name_out_of_others_messages(session, name):
    """The erased person's name, where others' messages name them (the author of a post, a reply, an
    opportunity, the one asking to join), becomes "Erased person" in the reader's language in those
    messages' inbox items and in their mail, waiting or kept; as a whole word only, so that other words
    stay as they are."""
    if not name or name == ERASED_NAME:
        return
    written = {False: name, True: str(escape(name))}  # as text, and as the HTML part writes it
    patterns = {html: _whole(text) for html, text in written.items()}
    for model, columns in MESSAGE_COLUMNS:
        naming = or_(*(getattr(model, c).like(_like(written[c == "html_body"]), escape="\\")
                       for c in columns))
        for row in session.scalars(select(model).where(naming)):
            _reworded(session, row, columns, patterns, ERASED_NAME)


def _written_out_of_others_messages(session, person_id, name, email):
    """What the erased person wrote to be passed on (an introduction's message: "Message from Katrin: …")
    becomes "(message removed)", and their e-mail address, where others' messages give it (an
    introduction's contacts), "(e-mail address removed)", in the reader's language; the message is
    found where its template quotes it after their name, the address as a whole, with the parentheses
    around it (the placeholder brings its own)."""
    removals = []
    if name and name != ERASED_NAME:
        quoting = [model.kind.in_(written_messages.QUOTING) for model, _ in MESSAGE_COLUMNS]
        removals.append(({html: written_messages.as_message(name, html) for html in (False, True)},
                         REMOVED_MESSAGE, name, quoting))
    if email:
        removals.append(({False: _address(email), True: _address(str(escape(email)))}, REMOVED_EMAIL, email,
                         [true(), true()]))
    for patterns, wording, written, kinds in removals:
        for (model, columns), kind in zip(MESSAGE_COLUMNS, kinds):
            naming = or_(*(getattr(model, c).like(_like(written), escape="\\") for c in columns))
            for row in session.scalars(select(model).where(naming, kind, model.person_id != person_id)):
                _reworded(session, row, columns, patterns, wording)


OWN_LINK_RE = re.compile(re.escape(PUBLIC_BASE_PLACEHOLDER) + r"(/v1/(?:threads|posts)/[0-9a-f-]{36})")


def _titles_found_in_messages(session, name):
    """``{link: title}`` of the threads and offers the erased person opened that ``authored_titles`` does
    not know (those opened before it existed): read from others' messages of a new thread or an offer
    whose text says that ``name`` opened it (a name, not an id: a namesake's threads of that time too)."""
    if not name or name == ERASED_NAME:
        return {}
    found = {}
    naming = [(InboxItem, InboxItem.body, InboxItem.link), (Delivery, Delivery.text_body, None)]
    for model, text, link in naming:
        for row in session.scalars(select(model).where(model.kind.in_(quoted_titles.OPENING),
                                                       text.like(_like(name), escape="\\"))):
            body = getattr(row, text.key)
            about = link and getattr(row, link.key)
            if about is None:
                own = OWN_LINK_RE.search(body or "")
                about = own.group(1) if own else None
            title = quoted_titles.opened_by(body, _readers_language(session, row) or "en", name)
            if about and title:
                found.setdefault(about, title)
    return found


def _titles_out_of_others_messages(session, person_id, name):
    """The titles of the erased person's threads and opportunities go from the messages others got of
    them (the new thread, replies to it, the offer, and digests and inbox items quoting them): each
    becomes "(title removed)" in the reader's language where the message quotes it as the title, not
    where the same letters stand for something else (a greeting, a name). The titles are those
    ``authored_titles`` recorded, and those others' messages show the person opened."""
    titles = dict(session.execute(select(AuthoredTitle.link, AuthoredTitle.title)
                                  .where(AuthoredTitle.person_id == person_id)).all())
    found = _titles_found_in_messages(session, name)
    # a namesake's thread whose author the table knows is not the erased person's
    others = set(session.scalars(select(AuthoredTitle.link).where(AuthoredTitle.link.in_(list(found)),
                                                                  AuthoredTitle.person_id != person_id)))
    for link, title in found.items():
        if link not in others:
            titles.setdefault(link, title)
    for link, title in titles.items():
        patterns = {html: quoted_titles.as_title(title, html) for html in (False, True)}
        linked = select(InboxItem.cause_id).where(InboxItem.link == link)
        about = {InboxItem: InboxItem.link == link,  # and mail linking it, or of a cause whose items do
                 Delivery: or_(Delivery.text_body.like(_like(link), escape="\\"),
                               Delivery.html_body.like(_like(link), escape="\\"),
                               Delivery.cause_id.in_(linked))}
        for model, columns in MESSAGE_COLUMNS:
            for row in session.scalars(select(model).where(about[model], model.person_id != person_id)):
                _reworded(session, row, columns, patterns, REMOVED_TITLE)
    session.execute(delete(AuthoredTitle).where(AuthoredTitle.person_id == person_id))


def erase(session, person_id):
    """Applied on person.erased: copies are removed; delivery rows keep only what proves a message went
    out; others' messages that name the person name them no more."""
    contact = session.get(Contact, person_id)
    outbox.forget_published(session, OutboxEvent, (person_id, contact.email if contact is not None else None))
    _titles_out_of_others_messages(session, person_id, contact.name if contact is not None else None)
    if contact is not None:
        _written_out_of_others_messages(session, person_id, contact.name, contact.email)
        _name_out_of_others_messages(session, contact.name)
        contact.name, contact.email, contact.birth_year, contact.erased = ERASED_NAME, None, None, True
        contact.admin_of = []
    for model in (ContactOrganisation, NetworkMember, NetworkPreference, Preference, InboxItem):
        session.execute(delete(model).where(model.person_id == person_id))
    session.execute(
        update(Registration).where(Registration.person_id == person_id).values(name=ERASED_NAME, email=None)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.person_id == person_id, Delivery.status.in_(("queued", "held", "claimed")))
        .values(status="failed", last_error="recipient erased")
    )
    session.execute(
        update(Delivery)
        .where(Delivery.person_id == person_id)
        .values(email=None, name=None, subject=None, text_body=None, html_body=None, attachments=None)
    )
