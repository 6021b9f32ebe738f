"""Events published by the notifications service."""

from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type, example


@event_type(
    "consent.withdrawal_requested",
    "notifications",
    "A recipient unsubscribed; the members service records the withdrawal.",
)
@example(
    {
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "kind": "newsletter",
        "source": "unsubscribe",
        "wording_version": "unsubscribe",
    }
)
class ConsentWithdrawalRequested(Schema):
    person_id = fields.String(required=True)
    association_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["newsletter", "contact"]))
    source = fields.String(load_default="unsubscribe")
    wording_version = fields.String(load_default="unsubscribe")


class _Campaign(Schema):
    campaign_id = fields.String(required=True)
    association_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["newsletter", "direct"]))


# the campaign of the campaign events' examples
_CAMPAIGN_EXAMPLE = {
    "campaign_id": "6f78283e-494f-5e76-8034-a51a25501822",
    "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
    "code": "spring-24",
    "name": "Nyhedsbrev marts",
    "kind": "newsletter",
}


@event_type("campaign.created", "notifications", "An admin composed a campaign (a draft).")
@event_type(
    "campaign.updated", "notifications", "An admin changed a campaign before it went out (see changed)."
)
@event_type("campaign.scheduled", "notifications", "An admin sent a campaign, now or at `send_at`.")
@event_type(
    "campaign.cancelled", "notifications", "An admin cancelled a campaign; what was not sent stays unsent."
)
@example(
    {
        **_CAMPAIGN_EXAMPLE,
        "status": "scheduled",
        "send_at": "2025-03-03T08:00:00+01:00",
        "changed": ["status", "send_at"],
    }
)
class CampaignChanged(_Campaign):
    status = fields.String(required=True)
    send_at = fields.AwareDateTime(allow_none=True, load_default=None)
    changed = fields.List(fields.String(), load_default=list)


@event_type(
    "campaign.completed",
    "notifications",
    "A campaign finished sending: how many it reached, for reports on which channels bring people in.",
)
@example(
    {
        **_CAMPAIGN_EXAMPLE,
        "recipients": 412,
        "sent": 405,
        "failed": 2,
        "bounced": 5,
        "started_at": "2025-03-03T08:00:02+01:00",
        "completed_at": "2025-03-03T08:04:51+01:00",
    }
)
class CampaignCompleted(_Campaign):
    recipients = fields.Integer(required=True)
    sent = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    bounced = fields.Integer(required=True)
    started_at = fields.AwareDateTime(allow_none=True, load_default=None)
    completed_at = fields.AwareDateTime(required=True)


@event_type(
    "campaign.bounces_recorded",
    "notifications",
    "An admin fed back a campaign's bounce reports: how many matched a recipient (no addresses).",
)
@example({**_CAMPAIGN_EXAMPLE, "bounced": 5, "unknown": 1})
class CampaignBouncesRecorded(_Campaign):
    bounced = fields.Integer(required=True)
    unknown = fields.Integer(required=True, metadata={"description": "Reported addresses of no recipient."})


@event_type(
    "preferences.updated",
    "notifications",
    "A person's message preferences changed (which of channels, digest, language and networks; "
    "not their values).",
)
@example(
    {
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "changed": ["channels", "digest"],
    }
)
class PreferencesUpdated(Schema):
    person_id = fields.String(required=True)
    association_id = fields.String(allow_none=True, load_default=None)
    changed = fields.List(fields.String(), load_default=list)


@event_type("webhook.created", "notifications", "An admin registered a webhook (its host, not its secret).")
@event_type("webhook.deleted", "notifications", "An admin removed a webhook; it is called no more.")
@example(
    {
        "webhook_id": "dd23859b-91ac-54ab-a51a-e57237acf205",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "host": "hooks.example.dk",
        "event_types": ["event.published", "registration.confirmed"],
    }
)
class WebhookChanged(Schema):
    webhook_id = fields.String(required=True)
    association_id = fields.String(required=True)
    network_id = fields.String(allow_none=True, load_default=None)
    host = fields.String(required=True)
    event_types = fields.List(fields.String(), load_default=list)
