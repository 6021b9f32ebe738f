"""Events published by the notifications service."""
from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type


@event_type("consent.withdrawal_requested", "notifications",
            "A recipient unsubscribed; the members service records the withdrawal.")
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


@event_type("campaign.created", "notifications", "An admin composed a campaign (a draft).")
@event_type(
    "campaign.updated", "notifications", "An admin changed a campaign before it went out (see changed)."
)
@event_type("campaign.scheduled", "notifications", "An admin sent a campaign, now or at `send_at`.")
@event_type(
    "campaign.cancelled", "notifications", "An admin cancelled a campaign; what was not sent stays unsent."
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
class CampaignBouncesRecorded(_Campaign):
    bounced = fields.Integer(required=True)
    unknown = fields.Integer(required=True, metadata={"description": "Reported addresses of no recipient."})


@event_type(
    "preferences.updated",
    "notifications",
    "A person's message preferences changed (which of channels, digest and language; not their values).",
)
class PreferencesUpdated(Schema):
    person_id = fields.String(required=True)
    association_id = fields.String(allow_none=True, load_default=None)
    changed = fields.List(fields.String(), load_default=list)


@event_type("webhook.created", "notifications", "An admin registered a webhook (its host, not its secret).")
@event_type("webhook.deleted", "notifications", "An admin removed a webhook; it is called no more.")
class WebhookChanged(Schema):
    webhook_id = fields.String(required=True)
    association_id = fields.String(required=True)
    network_id = fields.String(allow_none=True, load_default=None)
    host = fields.String(required=True)
    event_types = fields.List(fields.String(), load_default=list)
