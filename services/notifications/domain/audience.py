"""Audience segments as SQL over the read model.

A segment is a set of criteria that must all hold (each list matches any of
its values). Whatever the criteria, only persons with the matching consent
for the campaign's association, a known address that has not hard-bounced,
and e-mail not switched off in their preferences are in the audience. The
result is a SELECT, so materialising 10,000 recipients is one INSERT … SELECT
and never loads them into memory.
"""

from datetime import datetime, timezone

from sqlalchemy import and_, exists, func, literal, or_, select

from nabo_common.api.errors import ValidationFailed
from nabo_common.i18n.catalogues import N_
from services.notifications.models import (
    CalendarEvent,
    ConsentState,
    Contact,
    ContactOrganisation,
    Membership,
    Network,
    NetworkMember,
    Organisation,
    OrganisationTheme,
    Preference,
    Registration,
)

CONSENT_FOR_KIND = {"newsletter": "newsletter", "direct": "contact"}
REGISTERED = ("confirmed", "attended")


def _org_condition(*conditions):
    return exists(
        select(ContactOrganisation.person_id)
        .join(Organisation, Organisation.id == ContactOrganisation.organisation_id)
        .where(ContactOrganisation.person_id == Contact.person_id, *conditions)
    )


def criteria(segment, now=None):
    """SQL conditions on Contact for a segment."""
    now = now or datetime.now(timezone.utc)
    conditions = []
    if segment.get("association_ids"):
        ids = segment["association_ids"]
        member_orgs = select(Membership.organisation_id).where(
            Membership.association_id.in_(ids), Membership.status == "active"
        )
        conditions.append(
            or_(
                Contact.home_association_id.in_(ids),
                exists(
                    select(ContactOrganisation.person_id).where(
                        ContactOrganisation.person_id == Contact.person_id,
                        ContactOrganisation.organisation_id.in_(member_orgs),
                    )
                ),
            )
        )
    if segment.get("network_ids"):
        conditions.append(
            exists(
                select(NetworkMember.person_id).where(
                    NetworkMember.person_id == Contact.person_id,
                    NetworkMember.network_id.in_(segment["network_ids"]),
                )
            )
        )
    if segment.get("event_ids"):
        conditions.append(
            exists(
                select(Registration.id).where(
                    Registration.person_id == Contact.person_id,
                    Registration.event_id.in_(segment["event_ids"]),
                    Registration.status.in_(REGISTERED),
                )
            )
        )
    if segment.get("programme_ids"):
        programme_events = select(CalendarEvent.id).where(
            CalendarEvent.programme_id.in_(segment["programme_ids"])
        )
        conditions.append(
            exists(
                select(Registration.id).where(
                    Registration.person_id == Contact.person_id,
                    Registration.status.in_(REGISTERED),
                    or_(
                        Registration.programme_id.in_(segment["programme_ids"]),
                        Registration.event_id.in_(programme_events),
                    ),
                )
            )
        )
    if segment.get("themes"):
        conditions.append(
            _org_condition(
                exists(
                    select(OrganisationTheme.theme).where(
                        OrganisationTheme.organisation_id == Organisation.id,
                        OrganisationTheme.theme.in_(segment["themes"]),
                    )
                )
            )
        )
    if segment.get("sectors"):
        conditions.append(
            _org_condition(or_(*[Organisation.sector.like(f"{code}%") for code in segment["sectors"]]))
        )
    if segment.get("countries"):
        conditions.append(_org_condition(Organisation.country.in_(segment["countries"])))
    if segment.get("max_age") is not None:
        conditions.append(
            and_(Contact.birth_year.is_not(None), Contact.birth_year >= now.year - segment["max_age"])
        )
    return conditions


def audience(association_id, campaign_kind, segment, now=None):
    """SELECT person_id, email, name, language of everyone the campaign may reach."""
    consent = exists(
        select(ConsentState.person_id).where(
            ConsentState.person_id == Contact.person_id,
            ConsentState.association_id == association_id,
            ConsentState.kind == CONSENT_FOR_KIND[campaign_kind],
            ConsentState.granted.is_(True),
        )
    )
    language = func.coalesce(Preference.language, Contact.language, literal("en"))
    return (
        select(Contact.person_id, Contact.email, Contact.name, language.label("language"))
        .outerjoin(Preference, Preference.person_id == Contact.person_id)
        .where(
            Contact.erased.is_(False),
            Contact.email.is_not(None),
            Contact.email_bounced_at.is_(None),
            or_(Preference.email.is_(None), Preference.email.is_(True)),
            consent,
            *criteria(segment, now),
        )
        .order_by(Contact.person_id)
    )


def check_segment(session, association_id, segment):
    """The segment may name only things the association takes part in."""
    errors = {}
    foreign = [a for a in segment.get("association_ids") or () if a != association_id]
    if foreign:
        errors["association_ids"] = [N_("Only your own association's members can be addressed.")]
    for network_id in segment.get("network_ids") or ():
        network = session.get(Network, network_id)
        if network is None or association_id not in (network.association_ids or ()):
            errors.setdefault("network_ids", []).append(
                N_("Unknown network {network_id}.").format(network_id=network_id)
            )
    for event_id in segment.get("event_ids") or ():
        event = session.get(CalendarEvent, event_id)
        if event is None or association_id not in (event.association_ids or ()):
            errors.setdefault("event_ids", []).append(
                N_("Unknown event {event_id}.").format(event_id=event_id)
            )
    for programme_id in segment.get("programme_ids") or ():
        owned = session.scalar(
            select(func.count()).select_from(CalendarEvent).where(CalendarEvent.programme_id == programme_id)
        )
        events = session.scalars(
            select(CalendarEvent.association_ids).where(CalendarEvent.programme_id == programme_id)
        ).all()
        if not owned or not any(association_id in (ids or ()) for ids in events):
            errors.setdefault("programme_ids", []).append(
                N_("Unknown programme {programme_id}.").format(programme_id=programme_id)
            )
    if errors:
        raise ValidationFailed("The segment names things outside your association.", {"segment": errors})
