"""Quiet networks and dormant ones: a network's last activity (a post, a meeting, a convener keeping it
active); a network quiet for ``after_days`` has its conveners asked first (``network.dormancy_proposed``),
and is marked dormant ``notice_days`` later unless something happened meanwhile. A new thread in a dormant
network reaches every member and convener; the first answer, or a convener's decision, wakes it."""
from datetime import datetime, timedelta

from sqlalchemy import select

from nabo_common.api.moments import utc_text
from nabo_common.messaging.outbox import utcnow
from nabo_common.runtime.context import system_caller
from services.members.domain.networks.conveners import convener_ids
from services.members.domain.networks.publishing import publish_changed, publish_for
from services.members.domain.networks.visibility import active_owner_ids, display_name
from services.members.models import Network

DEFAULT_AFTER_DAYS = 180
DEFAULT_NOTICE_DAYS = 14
BATCH = 200


def record_activity(network, at=None):
    """Something happened in the network: it is no longer quiet, and the question to its conveners (if
    asked) is answered."""
    at = at or utcnow()
    if network.last_activity_at is None or at > network.last_activity_at:
        network.last_activity_at = at
    network.dormancy_asked_at = None


def wake(session, caller, network):
    """The first answer in a dormant network, or a convener's decision, makes it active again."""
    if network.activity != "dormant":
        return False
    network.activity = "active"
    record_activity(network)
    session.flush()
    publish_changed(session, caller, network, {"activity"})
    return True


def on_meeting(session, data, occurred_at):
    """A meeting of the network was published or held: activity, as a post is."""
    network = session.get(Network, data["network_id"]) if data.get("network_id") else None
    if network is not None:
        at = datetime.fromisoformat(occurred_at) if isinstance(occurred_at, str) else occurred_at
        record_activity(network, min(at, utcnow()))


def _claimed(session, stmt):
    """A batch of the networks ``stmt`` selects that no other replica holds (SQLite ignores the lock)."""
    batch = stmt.order_by(Network.id).limit(BATCH)
    return session.scalars(batch.with_for_update(skip_locked=True, of=Network)).all()


def sweep(session, after_days=DEFAULT_AFTER_DAYS, notice_days=DEFAULT_NOTICE_DAYS, now=None):
    """Ask the conveners of networks quiet for ``after_days``; mark dormant those asked ``notice_days`` ago
    where nothing happened since. Returns ``(asked, marked dormant)`` network ids. Replicas may run it side
    by side: each takes the networks the other has not locked."""
    now = now or utcnow()
    caller = system_caller()
    notice = timedelta(days=notice_days)
    asked, dormant = [], []
    with session.begin():
        quiet = _claimed(session, select(Network).where(
            Network.activity == "active", Network.dormancy_asked_at.is_(None),
            Network.last_activity_at < now - timedelta(days=after_days)))
        for network in quiet:
            network.dormancy_asked_at = now
            publish_for(session, caller, network, "network.dormancy_proposed", {
                "network_id": network.id,
                "name": display_name(network),
                "names": dict(network.name),
                "association_ids": active_owner_ids(network),
                "convener_person_ids": convener_ids(session, network),
                "last_activity_at": utc_text(network.last_activity_at),
                "dormant_from": utc_text(now + notice),
            })
            asked.append(network.id)
    with session.begin():
        due = _claimed(session, select(Network).where(
            Network.activity == "active", Network.dormancy_asked_at <= now - notice))
        for network in due:
            network.activity = "dormant"
            network.dormancy_asked_at = None
            session.flush()
            publish_changed(session, caller, network, {"activity"})
            dormant.append(network.id)
    return asked, dormant
