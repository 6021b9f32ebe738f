"""The spending cap on campaigns: at most CAMPAIGN_DAILY_CAP recipients per
association and calendar day (in the association's time zone).

Sending a campaign reserves its recipients on the counter of the day it goes
out. The counter rows involved are locked (SELECT … FOR UPDATE, in day order
so two sends cannot deadlock) while the reservation is decided, so concurrent
sends of one association cannot pass the cap together. A campaign holds its
reservation until it is rescheduled, its audience changes or it is cancelled;
when it starts, the audience really queued replaces the reservation.
"""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from nabo_common.api.errors import Conflict
from services.notifications.domain.common import insert_ignoring_duplicates
from services.notifications.models import Association, CampaignDailyVolume


def sending_day(session, association_id, moment):
    """The association's calendar day at ``moment``."""
    association = session.get(Association, association_id)
    try:
        zone = ZoneInfo(association.time_zone) if association else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).date()


def _locked_volumes(session, association_id, days):
    """The counter rows of ``days``, created if missing and locked until the transaction ends."""
    days = sorted(days)
    insert_ignoring_duplicates(
        session,
        CampaignDailyVolume,
        [{"association_id": association_id, "day": day, "recipients": 0} for day in days],
        ("association_id", "day"),
    )
    rows = session.scalars(
        select(CampaignDailyVolume)
        .where(CampaignDailyVolume.association_id == association_id, CampaignDailyVolume.day.in_(days))
        .order_by(CampaignDailyVolume.day)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.day: row for row in rows}


def reserve(session, campaign, recipients, daily_cap, send_at):
    """Count ``recipients`` against the cap of the day of ``send_at`` instead of what the campaign held;
    Conflict naming the cap and what is left when they do not fit (the caller's transaction then changes
    nothing)."""
    day = sending_day(session, campaign.association_id, send_at)
    volumes = _locked_volumes(session, campaign.association_id, {day} | ({campaign.cap_day} - {None}))
    held_that_day = campaign.cap_recipients if campaign.cap_day == day else 0
    left = max(0, daily_cap - (volumes[day].recipients - held_that_day))
    if recipients > left:
        raise Conflict(
            "This campaign has {recipients} recipients, but only {left} of the association's daily cap "
            "of {daily_cap} campaign recipients are left for {day}. Send it on a later day "
            "or to a narrower segment.",
            recipients=recipients, left=left, daily_cap=daily_cap, day=day.isoformat(),
        )
    if campaign.cap_day is not None:
        held = volumes[campaign.cap_day]
        held.recipients = max(0, held.recipients - campaign.cap_recipients)
    volumes[day].recipients += recipients
    campaign.cap_day, campaign.cap_recipients = day, recipients


def settle(session, campaign, recipients, now):
    """The campaign counts ``recipients`` on its day whatever the cap: at the start that is the audience
    really queued (it may have moved since the send), on a cancel what will still go out."""
    if campaign.cap_day is None:
        if not recipients:
            return
        campaign.cap_day = sending_day(session, campaign.association_id, now)  # sent before the cap existed
    volume = _locked_volumes(session, campaign.association_id, {campaign.cap_day})[campaign.cap_day]
    volume.recipients = max(0, volume.recipients - campaign.cap_recipients + recipients)
    campaign.cap_recipients = recipients
