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


@event_type("campaign.completed", "notifications",
            "A campaign finished sending: how many it reached, for reports on which channels bring people in.")
class CampaignCompleted(Schema):
    campaign_id = fields.String(required=True)
    association_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["newsletter", "direct"]))
    recipients = fields.Integer(required=True)
    sent = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    bounced = fields.Integer(required=True)
    started_at = fields.AwareDateTime(allow_none=True, load_default=None)
    completed_at = fields.AwareDateTime(required=True)
