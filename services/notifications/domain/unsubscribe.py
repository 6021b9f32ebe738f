"""Unsubscribe without signing in: a signed token names the person, the
association and the consent kind. Withdrawing records the withdrawal here at
once (no further campaign mail) and asks the members service, which owns
consents, to record it through ``consent.withdrawal_requested``.

A token of kind ``network`` names a network instead: unsubscribing sets what
the person hears from that network's conversation to ``none`` (a notification
preference of this service, no consent)."""
from urllib.parse import quote

from sqlalchemy import select, update

from services.notifications.domain import preferences, rendering, tokens
from services.notifications.domain.common import publish, upsert, utcnow
from services.notifications.domain.deliveries import CAMPAIGN
from services.notifications.models import (
    Association,
    Campaign,
    ConsentState,
    Contact,
    Delivery,
    Network,
    Preference,
)

CAMPAIGN_KIND_FOR_CONSENT = {"newsletter": "newsletter", "contact": "direct"}


def link(config, person_id, association_id, kind, campaign_id=None):
    token = tokens.sign(config.unsubscribe_keys, person_id, association_id, kind, campaign_id)
    return f"{config.public_base_url}/v1/unsubscribe?token={quote(token)}"


def network_link(config, person_id, association_id, network_id):
    token = tokens.sign(config.unsubscribe_keys, person_id, association_id, "network", network_id=network_id)
    return f"{config.public_base_url}/v1/unsubscribe?token={quote(token)}"


def page(session, config, token, done=False):
    claims = tokens.verify(config.unsubscribe_keys, token)
    association = session.get(Association, claims["association_id"])
    contact = session.get(Contact, claims["person_id"])
    preference = session.get(Preference, claims["person_id"])
    language = rendering.pick_language(preference.language if preference else None,
                                       contact.language if contact else None,
                                       association.default_language if association else None)
    network = session.get(Network, claims["network_id"]) if claims["network_id"] else None
    html = rendering.render_page("unsubscribe", language, {
        "association_name": association.name if association else "", "kind": claims["kind"], "done": done,
        "network_name": rendering.name_in(language, network.name, network.names) if network else "",
        "action_url": f"{config.public_base_url}/v1/unsubscribe?token={quote(token)}"})
    return {"html": html, "language": language}


def withdraw(session, caller, config, token):
    claims = tokens.verify(config.unsubscribe_keys, token)
    person_id, association_id, kind = claims["person_id"], claims["association_id"], claims["kind"]
    if kind == "network":
        return _leave_network_mail(session, caller, person_id, association_id, claims["network_id"])
    with session.begin():
        current = session.get(ConsentState, (person_id, association_id, kind))
        already_withdrawn = current is not None and not current.granted
        upsert(session, ConsentState, {"person_id": person_id, "association_id": association_id, "kind": kind,
                                       "granted": False, "recorded_at": utcnow()},
               ["person_id", "association_id", "kind"])
        # campaign mail of this association still waiting for this person is not sent any more
        session.execute(
            update(Delivery)
            .where(
                Delivery.person_id == person_id,
                Delivery.association_id == association_id,
                Delivery.priority == CAMPAIGN,
                Delivery.status == "queued",
                Delivery.campaign_id.in_(
                    select(Campaign.id).where(Campaign.kind == CAMPAIGN_KIND_FOR_CONSENT[kind])
                ),
            )
            .values(status="failed", last_error="unsubscribed before sending")
        )
        if not already_withdrawn:
            publish(
                session,
                "consent.withdrawal_requested",
                {
                    "person_id": person_id,
                    "association_id": association_id,
                    "kind": kind,
                    "source": "unsubscribe",
                    "wording_version": "unsubscribe",
                },
                caller,
                association_id,
            )
    return {"association_id": association_id, "kind": kind, "withdrawn": True}


def _leave_network_mail(session, caller, person_id, association_id, network_id):
    """Nothing more from the network's conversation, also nothing already waiting for a digest or the
    dispatcher."""
    with session.begin():
        preferences.choose_network_mode(session, person_id, network_id, "none")
        session.execute(
            update(Delivery)
            .where(Delivery.person_id == person_id, Delivery.network_id == network_id,
                   Delivery.status.in_(("queued", "held")))
            .values(status="failed", last_error="unsubscribed before sending")
        )
        publish(session, "preferences.updated",
                {"person_id": person_id, "association_id": association_id, "changed": ["networks"]},
                caller, association_id)
    return {"association_id": association_id, "kind": "network", "withdrawn": True, "network_id": network_id}
