"""Who with whom: ranked suggestions of organisations to meet, with reasons.

Candidates are selected and scored in one SQL statement: org_theme rows that
share a theme with the source organisation (indexed on theme_id), plus
organisations whose people are in the same networks, aggregated per
organisation. Themes are language-neutral ids, so a Dutch offer meets a
German need whatever language either was written in. Visibility (the caller
must be allowed to see the candidate), contact consent and dismissed
suggestions are filters of the same statement.
"""
from datetime import datetime, timezone

from sqlalchemy import and_, case, distinct, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from contracts.api import networks as schemas
from nabo_common.api.errors import Conflict, Forbidden, NotFound
from nabo_common.api.moments import utc_text
from nabo_common.api.pagination import page
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_, gettext
from services.members.domain import access, themes
from services.members.domain.common import publish
from services.members.domain.organisations import visible_or_404
from services.members.domain.sectors import complementary_sections, divisions_of
from services.members.models import (
    Consent,
    Match,
    Membership,
    Network,
    NetworkMember,
    Organisation,
    OrganisationTheme,
    Person,
    PersonRole,
)

WEIGHTS = {"needs_your_offer": 3, "offers_your_need": 3, "shared_themes": 1, "same_network": 2,
           "complementary_sector": 1}

# --- who may ask, who may be suggested ------------------------------------------------

def _source_or_error(session, caller, organisation_id):
    access.require_authenticated(caller)
    org = visible_or_404(session, caller, organisation_id)
    if not (access.can_edit_organisation(caller, org)
            or any(caller.administers(a) for a in access.organisation_associations(org))):
        raise Forbidden("Matches are for the organisation's people and its associations' admins.")
    return org


def contact_withdrawn(person=Person):
    """SQL condition on ``person``: their current contact consent to some association is a withdrawal."""
    c, later = aliased(Consent), aliased(Consent)
    return exists(
        select(c.id).where(
            c.person_id == person.id,
            c.kind == "contact",
            c.granted.is_(False),
            ~exists(
                select(later.id).where(
                    later.person_id == c.person_id,
                    later.association_id == c.association_id,
                    later.kind == "contact",
                    later.recorded_at > c.recorded_at,
                )
            ),
        )
    )


def contactable_filter():
    """Organisations whose people all withdrew contact consent are not suggested.

    Written as NOT IN over the few organisations with a withdrawal, which the
    database computes once, rather than as a test per candidate.
    """
    role, person = aliased(PersonRole), aliased(Person)
    colleague_role, colleague = aliased(PersonRole), aliased(Person)
    contactable_colleague = exists(
        select(colleague_role.id)
        .join(colleague, colleague.id == colleague_role.person_id)
        .where(
            colleague_role.scope == "organisation",
            colleague_role.scope_id == role.scope_id,
            colleague.erased_at.is_(None),
            ~contact_withdrawn(colleague),
        )
    )
    blocked = (
        select(role.scope_id)
        .join(person, person.id == role.person_id)
        .where(
            role.scope == "organisation",
            person.erased_at.is_(None),
            contact_withdrawn(person),
            ~contactable_colleague,
        )
    )
    return Organisation.id.not_in(blocked)


def _theme_sets(session, organisation_id):
    sets = {"offer": set(), "need": set(), "profile": set()}
    for theme_id, kind in session.execute(
        select(OrganisationTheme.theme_id, OrganisationTheme.kind).where(
            OrganisationTheme.organisation_id == organisation_id
        )
    ):
        sets[kind].add(theme_id)
    return sets


# --- the ranking statement ---------------------------------------------------------------


def _ranked(session, caller, source, q, sets):
    ot = OrganisationTheme
    all_themes = sorted(sets["offer"] | sets["need"] | sets["profile"])
    theme_hits = select(
        ot.organisation_id.label("oid"),
        ot.kind.label("kind"),
        ot.theme_id.label("theme_id"),
        null().label("network_id"),
    ).where(ot.theme_id.in_(all_themes), ot.organisation_id != source.id)
    mine, theirs = aliased(PersonRole), aliased(PersonRole)
    my_net, their_net = aliased(NetworkMember), aliased(NetworkMember)
    network_hits = (
        select(
            theirs.scope_id.label("oid"),
            null().label("kind"),
            null().label("theme_id"),
            their_net.network_id.label("network_id"),
        )
        .select_from(mine)
        .join(my_net, and_(my_net.person_id == mine.person_id, my_net.status == "active"))
        .join(their_net, and_(their_net.network_id == my_net.network_id, their_net.status == "active"))
        .join(theirs, and_(theirs.person_id == their_net.person_id, theirs.scope == "organisation"))
        .where(mine.scope == "organisation", mine.scope_id == source.id, theirs.scope_id != source.id)
    )
    hits = union_all(theme_hits, network_hits).subquery()
    needs_your_offer = func.count(
        distinct(
            case((and_(hits.c.kind == "need", hits.c.theme_id.in_(sorted(sets["offer"]))), hits.c.theme_id))
        )
    )
    offers_your_need = func.count(
        distinct(
            case((and_(hits.c.kind == "offer", hits.c.theme_id.in_(sorted(sets["need"]))), hits.c.theme_id))
        )
    )
    scores = (
        select(
            hits.c.oid,
            needs_your_offer.label("needs_your_offer"),
            offers_your_need.label("offers_your_need"),
            func.count(distinct(hits.c.theme_id)).label("shared_themes"),
            func.count(distinct(hits.c.network_id)).label("same_network"),
        )
        .group_by(hits.c.oid)
        .subquery()
    )

    sections = complementary_sections(source.sector)
    complementary = (
        case(
            (
                or_(
                    func.substr(Organisation.sector, 1, 2).in_(divisions_of(sections)),
                    Organisation.sector.in_(sorted(sections)),
                ),
                1,
            ),
            else_=0,
        )
        if sections
        else literal(0)
    )
    score = (
        WEIGHTS["needs_your_offer"] * scores.c.needs_your_offer
        + WEIGHTS["offers_your_need"] * scores.c.offers_your_need
        + WEIGHTS["shared_themes"] * scores.c.shared_themes
        + WEIGHTS["same_network"] * scores.c.same_network
        + WEIGHTS["complementary_sector"] * complementary
    )
    dismissed = select(Match.candidate_id).where(
        Match.organisation_id == source.id, Match.status == "dismissed"
    )
    stmt = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.country,
            Organisation.region,
            Organisation.sector,
            Organisation.owner_association_id,
            scores.c.needs_your_offer,
            scores.c.offers_your_need,
            scores.c.shared_themes,
            scores.c.same_network,
            complementary.label("complementary_sector"),
            score.label("score"),
        )
        .join(scores, scores.c.oid == Organisation.id)
        .where(
            Organisation.erased.is_(False),
            access.organisation_visibility_filter(caller),
            Organisation.id.not_in(dismissed),
            contactable_filter(),
        )
    )
    if q.get("cross_border"):
        stmt = stmt.where(Organisation.country != source.country)
    if q.get("association_id"):
        stmt = stmt.where(
            or_(
                Organisation.owner_association_id == q["association_id"],
                Organisation.id.in_(
                    select(Membership.organisation_id).where(Membership.association_id == q["association_id"])
                ),
            )
        )
    if q.get("theme"):
        stmt = stmt.where(
            Organisation.id.in_(
                select(ot.organisation_id).where(ot.theme_id.in_(themes.with_sub_themes(session, q["theme"])))
            )
        )
    return stmt, score


# --- reasons ------------------------------------------------------------------------------


def _details(session, source, sets, candidate_ids):
    """Theme rows and shared networks of the candidates on one page."""
    all_themes = sets["offer"] | sets["need"] | sets["profile"]
    theme_rows = {}
    for oid, kind, theme_id in session.execute(
        select(OrganisationTheme.organisation_id, OrganisationTheme.kind, OrganisationTheme.theme_id).where(
            OrganisationTheme.organisation_id.in_(candidate_ids), OrganisationTheme.theme_id.in_(all_themes)
        )
    ):
        theme_rows.setdefault(oid, {"offer": set(), "need": set(), "profile": set()})[kind].add(theme_id)
    mine, theirs = aliased(PersonRole), aliased(PersonRole)
    my_net, their_net = aliased(NetworkMember), aliased(NetworkMember)
    pairs = session.execute(
        select(theirs.scope_id, my_net.network_id)
        .distinct()
        .select_from(mine)
        .join(my_net, and_(my_net.person_id == mine.person_id, my_net.status == "active"))
        .join(their_net, and_(their_net.network_id == my_net.network_id, their_net.status == "active"))
        .join(theirs, and_(theirs.person_id == their_net.person_id, theirs.scope == "organisation"))
        .where(mine.scope == "organisation", mine.scope_id == source.id, theirs.scope_id.in_(candidate_ids))
    ).all()
    names = (
        dict(
            session.execute(
                select(Network.id, Network.name).where(
                    Network.id.in_({network_id for _, network_id in pairs})
                )
            ).all()
        )
        if pairs
        else {}
    )
    networks = {}
    for oid, network_id in pairs:
        networks.setdefault(oid, []).append((network_id, names[network_id]))
    return theme_rows, networks


def _reasons(row, sets, their_themes, their_networks, labels, language):
    empty = {"offer": set(), "need": set(), "profile": set()}
    theirs = their_themes or empty
    reasons = []

    def add(kind, text, theme_ids=(), networks=()):
        reasons.append(
            {
                "kind": kind,
                "text": gettext(language, text),
                "themes": themes.refs(sorted(theme_ids), labels),
                "networks": [{"id": i, "name": themes.label(n, language)} for i, n in networks],
            }
        )

    needs_yours = theirs["need"] & sets["offer"]
    offers_yours = theirs["offer"] & sets["need"]
    if needs_yours:
        add("needs_your_offer", N_("This organisation needs what you offer."), needs_yours)
    if offers_yours:
        add("offers_your_need", N_("This organisation offers what you need."), offers_yours)
    shared = (
        (
            (theirs["offer"] | theirs["need"] | theirs["profile"])
            & (sets["offer"] | sets["need"] | sets["profile"])
        )
        - needs_yours
        - offers_yours
    )
    if shared:
        add("shared_themes", N_("You share themes."), shared)
    if their_networks:
        add("same_network", N_("Your people are in the same network."), networks=sorted(their_networks))
    if row.complementary_sector:
        add("complementary_sector", N_("Your sectors complement each other."))
    return reasons


def _suggestions(session, caller, source, sets, rows):
    ids = [r.id for r in rows]
    theme_rows, networks = _details(session, source, sets, ids) if ids else ({}, {})
    labels = themes.labels_for(session, sets["offer"] | sets["need"] | sets["profile"], caller.language)
    decided = (
        {
            m.candidate_id: m
            for m in session.scalars(
                select(Match).where(Match.organisation_id == source.id, Match.candidate_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    result = []
    for row in rows:
        match = decided.get(row.id)
        result.append(
            {
                "organisation": {
                    "id": row.id,
                    "name": row.name,
                    "country": row.country,
                    "region": row.region,
                    "sector": row.sector,
                    "owner_association_id": row.owner_association_id,
                },
                "score": int(row.score),
                "reasons": _reasons(
                    row, sets, theme_rows.get(row.id), networks.get(row.id), labels, caller.language
                ),
                "status": match.status if match else "suggested",
                "match_id": match.id if match else None,
            }
        )
    return result


def suggest(session, caller, organisation_id, query):
    q = load(schemas.MatchQuery, query)
    source = _source_or_error(session, caller, organisation_id)
    sets = _theme_sets(session, source.id)
    stmt, score = _ranked(session, caller, source, q, sets)
    # the window count gives the total in the same pass as the page
    rows = session.execute(
        stmt.add_columns(func.count().over().label("total"))
        .order_by(score.desc(), Organisation.name_lower, Organisation.id)
        .limit(q["limit"])
        .offset(q["offset"])
    ).all()
    if rows:
        total = rows[0].total
    else:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) if q["offset"] else 0
    return page(_suggestions(session, caller, source, sets, rows), total, q["limit"], q["offset"])


def _suggestion_for(session, caller, source, candidate_id):
    sets = _theme_sets(session, source.id)
    stmt, _ = _ranked(session, caller, source, {}, sets)
    row = session.execute(stmt.where(Organisation.id == candidate_id)).first()
    return _suggestions(session, caller, source, sets, [row])[0] if row else None


# --- decisions and introductions ----------------------------------------------------------------


def match_view(match):
    return {
        "id": match.id,
        "organisation_id": match.organisation_id,
        "candidate_id": match.candidate_id,
        "status": match.status,
        "reasons": list(match.reasons),
        "introduced_at": utc_text(match.introduced_at),
        "created_at": utc_text(match.created_at),
    }


def _stored_reasons(reasons):
    return [
        {
            "kind": r["kind"],
            "themes": [t["id"] for t in r["themes"]],
            "networks": [n["id"] for n in r["networks"]],
        }
        for r in reasons
    ]


def _match_between(session, organisation_id, candidate_id):
    return session.scalar(
        select(Match).where(Match.organisation_id == organisation_id, Match.candidate_id == candidate_id)
    )


def decide(session, caller, organisation_id, candidate_id, payload):
    data = load(schemas.MatchDecision, payload)
    with session.begin():
        source = _source_or_error(session, caller, organisation_id)
        match = _match_between(session, source.id, candidate_id)
        if match is not None and match.status == "introduced":
            raise Conflict("These organisations have been introduced already.")
        if match is None:
            suggestion = _suggestion_for(session, caller, source, candidate_id)
            if suggestion is None:
                raise NotFound("Organisation {candidate_id} is not among the suggestions.",
                               candidate_id=candidate_id)
            match = Match(
                organisation_id=source.id,
                candidate_id=candidate_id,
                reasons=_stored_reasons(suggestion["reasons"]),
            )
            session.add(match)
        match.status = data["decision"]
        match.decided_by = caller.person_id
        session.flush()
    return match_view(match)


def contacts_of(session, organisation_id):
    """People who may be contacted for an organisation: its contacts if it names any, else anyone in it."""
    rows = session.execute(
        select(Person, PersonRole.role)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(
            PersonRole.scope == "organisation",
            PersonRole.scope_id == organisation_id,
            Person.erased_at.is_(None),
            ~contact_withdrawn(),
        )
        .order_by(Person.name, Person.id)
    ).all()
    named = [p for p, role in rows if role == "contact"]
    people = list(dict.fromkeys(named or [p for p, _ in rows]))
    return [
        {
            "person_id": p.id,
            "organisation_id": organisation_id,
            "name": p.name,
            "email": p.email,
            "language": p.language,
        }
        for p in people
    ]


def introduce(session, caller, organisation_id, candidate_id, payload):
    data = load(schemas.Introduction, payload)
    with session.begin():
        source = _source_or_error(session, caller, organisation_id)
        match = _match_between(session, source.id, candidate_id)
        if match is None or match.status == "dismissed":
            raise Conflict("Accept the match before asking for an introduction.")
        if match.status == "introduced":
            raise Conflict("These organisations have been introduced already.")
        candidate = visible_or_404(session, caller, candidate_id)
        ours, theirs = contacts_of(session, source.id), contacts_of(session, candidate.id)
        if not ours or not theirs:
            raise Conflict("Both organisations need a person who may be contacted for an introduction.")
        publish_introduction(session, caller, match, source, candidate, ours + theirs, data.get("message"))
    return match_view(match)


def publish_introduction(session, caller, match, source, candidate, contacts, message):
    """Mark ``match`` introduced and publish ``match.introduced``: notifications mails both sides."""
    match.status = "introduced"
    match.introduced_at = datetime.now(timezone.utc)
    session.flush()
    publish(
        session,
        "match.introduced",
        {
            "match_id": match.id,
            "organisation_ids": [source.id, candidate.id],
            "organisation_names": [source.name, candidate.name],
            "contacts": contacts,
            "reasons": match.reasons,
            "message": message,
            "introduced_by": caller.person_id,
        },
        caller,
        source.owner_association_id,
    )
