"""Who reads and who writes a network's conversation: a public network's is
readable by anyone, any other network's by its active members and conveners;
only active members and conveners post. A hidden post is seen by its author
and the conveners alone."""

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from nabo_common.api.errors import Forbidden, NotFound, ValidationFailed
from services.members.domain import access
from services.members.domain.networks.conveners import can_convene
from services.members.domain.networks.visibility import membership, visible_or_404
from services.members.models import Network, NetworkMember, Post, Thread

# the network's owners and themes only when asked for (a public network's anonymous reader never does)
ON_DEMAND = (lazyload(Network.owners), lazyload(Network.theme_links))


class Standing:
    """The caller's place in one network's conversation."""

    def __init__(self, session, caller, network):
        self.network = network
        self.person_id = caller.person_id
        mine = membership(session, network.id, caller.person_id)
        self.convener = caller.authenticated and can_convene(session, caller, network)
        self.member = self.convener or (mine is not None and mine.status == "active")
        self.reader = self.member or network.visibility == "public"

    def sees(self, post):
        return not post.hidden or self.convener or post.author_id == self.person_id

    def require_member(self):
        if not self.member:
            raise Forbidden("Join the network to post in it.")

    def require_convener(self):
        if not self.convener:
            raise Forbidden("Only the network's conveners or its associations' admins may do this.")

    def require_author(self, author_id):
        if author_id != self.person_id:
            raise Forbidden("Only its author may change or delete this.")


def network_standing(session, caller, network_id):
    """The network's conversation for a reader: 404 when the network is out of sight, 403 when it is
    closed to the caller."""
    network = visible_or_404(session, caller, network_id, ON_DEMAND)
    standing = Standing(session, caller, network)
    if not standing.reader:
        access.require_authenticated(caller)
        raise Forbidden("Only the network's members read its conversation.")
    return standing


def thread_missing(thread_id):
    return NotFound("Thread {thread_id} not found.", thread_id=thread_id)


def post_missing(post_id):
    return NotFound("Post {post_id} not found.", post_id=post_id)


def _readable(session, caller, network_id, missing):
    try:
        network = visible_or_404(session, caller, network_id, ON_DEMAND)
    except NotFound:
        raise missing from None
    standing = Standing(session, caller, network)
    if not standing.reader:
        raise missing
    return standing


def thread_standing(session, caller, thread_id):
    """The thread and the caller's standing, or 404 for whoever may not read it."""
    thread = session.get(Thread, str(thread_id)) if thread_id else None
    if thread is None:
        raise thread_missing(thread_id)
    return thread, _readable(session, caller, thread.network_id, thread_missing(thread_id))


def post_standing(session, caller, post_id):
    """The post, its thread and the caller's standing, or 404 for whoever may not see it."""
    post = session.get(Post, str(post_id)) if post_id else None
    if post is None:
        raise post_missing(post_id)
    standing = _readable(session, caller, post.network_id, post_missing(post_id))
    if not standing.sees(post):
        raise post_missing(post_id)
    return post, session.get(Thread, post.thread_id), standing


def opening_post(session, thread):
    return session.scalar(select(Post).where(Post.thread_id == thread.id, Post.opening.is_(True)))


def mentioned_members(session, network, person_ids):
    """The mentioned ids, each once, in the order given, when all are active members of the network;
    otherwise a 422 that names the field."""
    wanted = list(dict.fromkeys(str(p) for p in person_ids))
    if not wanted:
        return []
    found = set(session.scalars(select(NetworkMember.person_id).where(
        NetworkMember.network_id == network.id, NetworkMember.status == "active",
        NetworkMember.person_id.in_(wanted))))
    if len(found) != len(wanted):
        raise ValidationFailed("Unknown person.",
                               {"mentions": ["Only the network's members can be mentioned."]})
    return wanted
