"""Who hears of a post in a network's conversation, and when: each member of the network as they chose
for it (``NETWORK_MODES``: every post at once, in the daily or weekly digest, only replies to their own
posts and mentions, or nothing). A reply to one's own post or thread and a mention come at once in every
mode but ``none``. A new thread in a dormant network reaches every member (but those who chose ``none``) and
every convener at once, and says the network was dormant. The in-app inbox gets the same items as the mail,
at once; the mail carries a one-click unsubscribe from the network. An opportunity offered beyond the
network carries it too: one click and its reader hears no more of that network's offers."""
from collections import defaultdict

from sqlalchemy import select

from contracts.api.notifications import NETWORK_MODE_DEFAULT
from services.notifications.domain import readmodel
from services.notifications.domain.common import upsert
from services.notifications.domain.deliveries import ReadModelBehind, notify, person
from services.notifications.models import AuthoredTitle, Contact, NetworkMember, NetworkPreference, Preference

DIGESTS = ("daily", "weekly")
REPLY_TO_YOU = "reply_to_you"
MENTION = "mention"


def _modes(session, network_id):
    return dict(session.execute(select(NetworkPreference.person_id, NetworkPreference.mode)
                                .where(NetworkPreference.network_id == network_id)).all())


def audiences(data, member_ids, modes):
    if data["opening"] and data.get("network_dormant"):
        return _everyone(data, member_ids, modes)
    return _as_chosen(data, member_ids, modes)


def _everyone(data, member_ids, modes):
    """A new thread in a dormant network: every member who has not silenced the network, and every
    convener, at once."""
    people = [*member_ids, *(p for p in data.get("convener_person_ids") or () if p not in set(member_ids))]
    mentioned = set(data.get("mentioned_person_ids") or ())
    groups = defaultdict(list)
    for person_id in people:
        if person_id != data["author_person_id"] and modes.get(person_id, NETWORK_MODE_DEFAULT) != "none":
            groups[(MENTION if person_id in mentioned else None, None)].append(person_id)
    return groups


def _as_chosen(data, member_ids, modes):
    """``{(reason, digest period): [person ids]}``: who hears of the post, why, and whether it waits for a
    digest. ``reason`` is REPLY_TO_YOU, MENTION or None (a post like any other)."""
    personal = set() if data["opening"] else {data.get("reply_to_author_person_id"),
                                                  data["thread_author_person_id"]}
    mentioned = set(data.get("mentioned_person_ids") or ())
    groups = defaultdict(list)
    for person_id in member_ids:
        mode = modes.get(person_id, NETWORK_MODE_DEFAULT)
        if mode == "none" or person_id == data["author_person_id"]:
            continue
        if person_id in personal:
            groups[(REPLY_TO_YOU, None)].append(person_id)
        elif person_id in mentioned:
            groups[(MENTION, None)].append(person_id)
        elif mode == "every_post":
            groups[(None, None)].append(person_id)
        elif mode in DIGESTS:
            groups[(None, mode)].append(person_id)
    return groups


def _remember_title(session, link, person_id, title):
    """Who wrote the title that others' messages about ``link`` quote: it goes from them on their erasure."""
    if title:
        upsert(session, AuthoredTitle, {"link": link, "person_id": person_id, "title": title}, ["link"])


def on_post_created(session, envelope):
    data = envelope["data"]
    network_id = data["network_id"]
    readmodel.apply_network(session, {"network_id": network_id, "name": data["network_name"],
                                      "names": data.get("network_names"),
                                      "association_ids": data["association_ids"]})
    author = session.get(Contact, data["author_person_id"])
    if author is None:
        raise ReadModelBehind(f"person {data['author_person_id']} is not in the read model yet")
    if data["opening"]:
        thread_link = f"/v1/threads/{data['thread_id']}"
        _remember_title(session, thread_link, data["author_person_id"], data.get("title"))
    member_ids = session.scalars(  # erased persons and those the read model does not know yet hear nothing
        select(NetworkMember.person_id)
        .join(Contact, Contact.person_id == NetworkMember.person_id)
        .where(NetworkMember.network_id == network_id, Contact.erased.is_(False))
        .order_by(NetworkMember.person_id)
    ).all()
    context = {
        "network_name": data["network_name"],
        "network_names": data.get("network_names") or {},
        "thread_title": data.get("title") or "",
        "thread_kind": data["kind"],
        "author_name": author.name,
    }
    association_id = (data["association_ids"] or [envelope.get("association_id")])[0]
    groups = audiences(data, member_ids, _modes(session, network_id))
    # a network's thousands of members: their contacts and preferences in a few queries, not two each
    heard = [pid for person_ids in groups.values() for pid in person_ids]
    preferences = {}
    for start in range(0, len(heard), 1000):
        chunk = heard[start:start + 1000]
        session.scalars(select(Contact).where(Contact.person_id.in_(chunk))).all()  # into the identity map
        preferences.update((p.person_id, p) for p in session.scalars(
            select(Preference).where(Preference.person_id.in_(chunk))))
    for (reason, period), person_ids in sorted(groups.items(), key=lambda g: (g[0][0] or "", g[0][1] or "")):
        if data["opening"]:
            kind, extra = "network_thread_started", {"mentioned": reason == MENTION,
                                                     "was_dormant": bool(data.get("network_dormant"))}
        else:
            kind, extra = "network_reply_posted", {"addressed": reason}
        notify(
            session,
            envelope["id"],
            kind,
            [person(session, pid) for pid in person_ids],
            dict(context, **extra),
            association_id,
            link=f"/v1/threads/{data['thread_id']}",
            network_id=network_id,
            digest_period=period,
            preferences=preferences,
        )


def _theme_names(labels, theme_ids):
    """``{language: "Label, Label"}`` of the themes, each in every language it has a label in (English where
    a label is missing in one)."""
    languages = {lang for tid in theme_ids for lang in (labels.get(tid) or {})}
    return {lang: ", ".join((labels.get(t) or {}).get(lang) or (labels.get(t) or {}).get("en") or ""
                            for t in theme_ids) for lang in languages}


def on_opportunity_offered(session, envelope):
    """Each person an opportunity is offered to hears of it once, with the reason: the themes their
    organisation offers."""
    data = envelope["data"]
    network_id = data["network_id"]
    readmodel.apply_network(session, {"network_id": network_id, "name": data["network_name"],
                                      "names": data.get("network_names"),
                                      "association_ids": data["association_ids"]})
    author = session.get(Contact, data["author_person_id"])
    if author is None:
        raise ReadModelBehind(f"person {data['author_person_id']} is not in the read model yet")
    _remember_title(session, f"/v1/posts/{data['post_id']}", data["author_person_id"], data.get("title"))
    association_id = (data["association_ids"] or [envelope.get("association_id")])[0]
    labels = data.get("theme_labels") or {}
    modes = _modes(session, network_id)
    for recipient in data["recipients"]:
        if modes.get(recipient["person_id"]) == "none":
            continue  # unsubscribed from the network in one click: nothing more from it, offers included
        notify(
            session,
            envelope["id"],
            "opportunity_offered",
            [person(session, recipient["person_id"])],
            {
                "network_name": data["network_name"],
                "network_names": data.get("network_names") or {},
                "thread_title": data.get("title") or "",
                "author_name": author.name,
                "organisation_name": recipient["organisation_name"],
                "offered_themes_names": _theme_names(labels, recipient["theme_ids"]),
                "offered_themes_name": _theme_names(labels, recipient["theme_ids"]).get("en", ""),
            },
            association_id,
            link=f"/v1/posts/{data['post_id']}",
            network_id=network_id,
        )
