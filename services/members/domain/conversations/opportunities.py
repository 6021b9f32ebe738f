"""Opportunities go to those who can use them: a new ``opportunity`` thread tagged with themes is also
offered to the contacts of organisations outside the network whose offers carry one of those themes and
who may be seen from the network's associations (an organisation visible to all associations, or one of
the network's own associations); ``opportunity.offered`` names them with the themes that matched. A
recipient reads the opportunity's opening post (also in a closed network), and a recipient or any
reader of the thread answers the author privately: that introduces their two organisations as an
accepted match does (``match.introduced``). An introduction needs two organisations, so an opportunity
is offered outside its network only when its author speaks for one (``speaking_for``)."""


from sqlalchemy import exists, or_, select

from contracts.api import conversations as schemas
from nabo_common.api.errors import Conflict, Forbidden
from nabo_common.api.validation import load
from services.members.domain import access
from services.members.domain.conversations.access import Standing, post_missing, sees_thread
from services.members.domain.matchmaking import contacts_of, match_view, publish_introduction
from services.members.domain.networks.publishing import publish_for
from services.members.domain.networks.visibility import active_owner_ids, display_name, membership
from services.members.models import (
    Match,
    Membership,
    Network,
    NetworkMember,
    Organisation,
    OrganisationTheme,
    Person,
    PersonRole,
    Post,
    Theme,
    Thread,
)

# how many people one opportunity is offered to at most (the closest organisations first: see offer)
MAX_RECIPIENTS = 500
ANSWERED = "you_answered_their_opportunity"


def _seen_from(network):
    """SQL: the organisation may be shown to the network's associations."""
    owners = active_owner_ids(network)
    return or_(
        Organisation.visibility.in_(("public", "all_associations")),
        Organisation.owner_association_id.in_(owners),
        exists(select(Membership.id).where(Membership.organisation_id == Organisation.id,
                                           Membership.association_id.in_(owners),
                                           Membership.status == "active")),
    )


def offering_organisations(session, network, theme_ids, only=None):
    """``{organisation id: [matching theme ids]}``: organisations offering one of ``theme_ids`` that the
    network's associations may see; ``only``: just this organisation."""
    if not theme_ids:
        return {}
    stmt = (
        select(OrganisationTheme.organisation_id, OrganisationTheme.theme_id)
        .join(Organisation, Organisation.id == OrganisationTheme.organisation_id)
        .where(OrganisationTheme.kind == "offer", OrganisationTheme.theme_id.in_(list(theme_ids)),
               Organisation.erased.is_(False), _seen_from(network))
        .order_by(OrganisationTheme.organisation_id, OrganisationTheme.theme_id)
    )
    if only is not None:
        stmt = stmt.where(OrganisationTheme.organisation_id == only)
    found = {}
    for organisation_id, theme_id in session.execute(stmt):
        found.setdefault(organisation_id, []).append(theme_id)
    return found


def _organisations_of(session, person_id):
    """The organisations the person belongs to, the earliest first (a role in one counts once)."""
    return list(dict.fromkeys(session.scalars(
        select(PersonRole.scope_id)
        .where(PersonRole.person_id == person_id, PersonRole.scope == "organisation")
        .order_by(PersonRole.created_at, PersonRole.scope_id)
    ).all()))


def speaking_for(session, person_id, other_than=None):
    """The organisation the person speaks for in an introduction: the earliest of theirs that is not
    erased (nor ``other_than``); None when they speak for none."""
    candidates = [o for o in _organisations_of(session, person_id) if o != other_than]
    kept = set(session.scalars(select(Organisation.id).where(
        Organisation.id.in_(candidates), Organisation.erased.is_(False))))
    return next((session.get(Organisation, o) for o in candidates if o in kept), None)


def offer(session, caller, network, thread, post):
    """Offer a new opportunity beyond the network (in the transaction of the post); returns how many
    people it was offered to. An author who speaks for no organisation offers it to no one outside: the
    private answer the offer promises introduces two organisations."""
    if thread.kind != "opportunity" or not post.themes:
        return 0
    if speaking_for(session, post.author_id) is None:
        return 0
    own = set(_organisations_of(session, post.author_id))
    members = set(session.scalars(select(NetworkMember.person_id).where(
        NetworkMember.network_id == network.id, NetworkMember.status == "active")))
    offered = offering_organisations(session, network, post.themes)
    profiles = {row.id: row for row in session.execute(
        select(Organisation.id, Organisation.name, Organisation.updated_at)
        .where(Organisation.id.in_([o for o in offered if o not in own])))}
    # the closest first (most themes), then the profiles kept most recently: past the maximum, those
    # left out are the ones least likely to still offer what they once did
    ranked = sorted(profiles, key=lambda o: (-len(offered[o]), -profiles[o].updated_at.timestamp(), o))
    names = {o: profiles[o].name for o in ranked}
    recipients = []
    for organisation_id in ranked:
        for contact in contacts_of(session, organisation_id):
            if contact["person_id"] in members or contact["person_id"] == post.author_id:
                continue
            recipients.append({"person_id": contact["person_id"], "organisation_id": organisation_id,
                               "organisation_name": names.get(organisation_id, ""),
                               "theme_ids": offered[organisation_id]})
        if len(recipients) >= MAX_RECIPIENTS:
            break
    recipients = recipients[:MAX_RECIPIENTS]
    if not recipients:
        return 0
    matched = sorted({t for r in recipients for t in r["theme_ids"]})
    labels = {t.id: dict(t.labels) for t in session.scalars(select(Theme).where(Theme.id.in_(matched)))}
    publish_for(session, caller, network, "opportunity.offered", {
        "post_id": post.id,
        "thread_id": thread.id,
        "network_id": network.id,
        "network_name": display_name(network),
        "network_names": dict(network.name),
        "association_ids": active_owner_ids(network),
        "author_person_id": post.author_id,
        "title": thread.title,
        "theme_labels": labels,
        "recipients": recipients,
    })
    return len(recipients)


def _offered(session, network, post):
    """The organisations the opportunity ``post`` is offered to (``offering_organisations``); none when its
    author speaks for no organisation (see offer)."""
    if speaking_for(session, post.author_id) is None:
        return {}
    return offering_organisations(session, network, post.themes)


def offered_post(session, caller, post_id):
    """An opportunity's opening post for one of the organisations it is offered to (its mail links it),
    also when the network's conversation is closed to them; 404 for anyone else."""
    post = session.get(Post, str(post_id)) if post_id else None
    if post is None or not post.opening or post.hidden or post.deleted or post.erased:
        raise post_missing(post_id)
    if session.get(Thread, post.thread_id).kind != "opportunity" or not caller.organisation_ids:
        raise post_missing(post_id)
    network = session.get(Network, post.network_id)
    offered = _offered(session, network, post)
    if not any(organisation_id in offered for organisation_id in caller.organisation_ids):
        raise post_missing(post_id)
    return post


def _answerable(session, caller, post_id, organisation_id):
    """The opportunity's opening post, its thread and network, and the answering organisation; 404 for
    whoever neither reads the thread nor was offered it."""
    post = session.get(Post, str(post_id)) if post_id else None
    if post is None:
        raise post_missing(post_id)
    network = session.get(Network, post.network_id)
    standing = Standing(session, caller, network, membership(session, network.id, caller.person_id))
    organisation = session.get(Organisation, str(organisation_id))
    ours = organisation is not None and not organisation.erased and organisation.id in caller.organisation_ids
    # only an opening post in sight is offered (as offered_post reads it)
    offered = _offered(session, network, post) if caller.organisation_ids and post.opening \
        and not post.hidden else {}
    thread = session.get(Thread, post.thread_id)
    reads = standing.reader and standing.sees(post) and sees_thread(session, standing, thread, post)
    # who reads the thread, or was offered the opportunity for one of their organisations, sees the post
    if not (reads or any(own in offered for own in caller.organisation_ids)):
        raise post_missing(post_id)
    if not ours:
        raise Forbidden("Answer for an organisation you belong to.")
    if not reads and organisation.id not in offered:
        raise Forbidden("The opportunity was not offered to this organisation.")
    if thread.kind != "opportunity" or not post.opening or post.deleted or post.erased:
        raise Conflict("Only an opportunity can be answered privately.")
    return post, thread, network, organisation


def answer_privately(session, caller, post_id, payload):
    """Answer an opportunity's author privately: the two organisations are introduced."""
    access.require_authenticated(caller)
    data = load(schemas.PrivateAnswer, payload)
    with session.begin():
        post, thread, network, ours = _answerable(session, caller, post_id, data["organisation_id"])
        if post.author_id == caller.person_id:
            raise Conflict("You cannot answer your own opportunity privately: answer in the thread.")
        theirs = speaking_for(session, post.author_id, other_than=ours.id)
        if theirs is None:
            raise Conflict("The author speaks for no other organisation: answer in the thread.")
        match = session.scalar(select(Match).where(Match.organisation_id == ours.id,
                                                   Match.candidate_id == theirs.id))
        if match is not None and match.status == "introduced":
            raise Conflict("These organisations have been introduced already.")
        author = session.get(Person, post.author_id)
        our_contacts, their_contacts = contacts_of(session, ours.id), contacts_of(session, theirs.id)
        if author is not None and author.erased_at is None and author.id not in {
                c["person_id"] for c in their_contacts}:
            # the author hears of the answer whether or not they are their organisation's named contact
            their_contacts.insert(0, {
                "person_id": author.id, "organisation_id": theirs.id, "name": author.name,
                "email": author.email, "language": author.language})
        if not our_contacts or not their_contacts:
            raise Conflict("Both organisations need a person who may be contacted for an introduction.")
        if match is None:
            match = Match(organisation_id=ours.id, candidate_id=theirs.id)
            session.add(match)
        match.reasons = [{"kind": ANSWERED, "themes": list(post.themes), "networks": [network.id]}]
        match.decided_by = caller.person_id
        publish_introduction(session, caller, match, ours, theirs, our_contacts + their_contacts,
                             data["message"])
        return match_view(match)
