"""Give a demo installation's dormant networks their past (for demo installations only).

    python -m services.members.demo_history --association destination-sjoland

The demo data is loaded through the API, so everything in it happened at load time: a network marked
dormant would show a last activity of a minute ago, and its threads would be today's. This command moves
the history of each dormant network of the association (the network's start, its threads and posts, its
last activity) back by the same span, so that its last activity lies ``--days`` ago (by default 60 days
beyond NETWORK_DORMANT_AFTER_DAYS, when a quiet network's conveners are asked). A network whose last
activity is that old already is left as it is, so a second run changes nothing. Nothing else moves: the
lively networks stay as recent as they are.
"""
import argparse
from datetime import timedelta

from sqlalchemy import select

from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence import db
from nabo_common.runtime import settings
from nabo_common.runtime.settings import _int
from services.members.domain.networks import dormancy
from services.members.models import Association, Network, NetworkOwner, Post, Thread

BEYOND_THE_QUIET_SPAN_DAYS = 60


def age_dormant_networks(session, association_slug, days, now=None):
    """Move back the history of the association's dormant networks whose last activity is more recent than
    ``days`` ago; returns their ids."""
    now = now or utcnow()
    target = now - timedelta(days=days)
    moved = []
    with session.begin():
        networks = session.scalars(
            select(Network)
            .join(NetworkOwner, NetworkOwner.network_id == Network.id)
            .join(Association, Association.id == NetworkOwner.association_id)
            .where(Association.slug == association_slug, Network.activity == "dormant",
                   Network.last_activity_at > target)
            .order_by(Network.id)
        ).all()
        for network in networks:
            by = network.last_activity_at - target
            network.created_at -= by
            network.last_activity_at = target
            network.dormancy_asked_at = None
            for thread in session.scalars(select(Thread).where(Thread.network_id == network.id)):
                thread.created_at -= by
                thread.last_activity_at -= by
            for post in session.scalars(select(Post).where(Post.network_id == network.id)):
                post.created_at -= by
                post.edited_at = post.edited_at - by if post.edited_at else None
                post.hidden_at = post.hidden_at - by if post.hidden_at else None
            moved.append(network.id)
    return moved


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.members.demo_history")
    parser.add_argument("--association", required=True, help="the slug of the association owning them")
    parser.add_argument("--days", type=int, default=None,
                        help="how long ago their last activity lies (default: NETWORK_DORMANT_AFTER_DAYS "
                             f"+ {BEYOND_THE_QUIET_SPAN_DAYS})")
    args = parser.parse_args(argv)
    days = args.days or _int("members", "NETWORK_DORMANT_AFTER_DAYS", dormancy.DEFAULT_AFTER_DAYS, 1) + \
        BEYOND_THE_QUIET_SPAN_DAYS
    engine = db.make_engine(settings.load("members").database_url)
    try:
        moved = age_dormant_networks(db.make_sessionmaker(engine)(), args.association, days)
    finally:
        engine.dispose()
    print(f"nabo: {len(moved)} dormant network(s) of {args.association} given a past of {days} days")


if __name__ == "__main__":
    main()
