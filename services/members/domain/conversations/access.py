"""Who reads and who writes a network's conversation: a public network's is
readable by anyone, any other network's by its active members and conveners;
only active members and conveners post. A hidden post is seen by its author
and the conveners alone; a thread whose opening post is hidden, with all its
posts, likewise."""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from nabo_common.api.errors import Forbidden, NotFound, ValidationFailed
from services.members.domain import access
from services.members.domain.networks.conveners import can_convene
from services.members.domain.networks.visibility import can_see, membership, seen_network
from services.members.models import Network, NetworkMember, Post, Thread

# the network's owners and themes only when asked for (a public network's anonymous reader never does)
ON_DEMAND = (lazyload(Network.owners), lazyload(Network.theme_links))


class Standing:
    """The caller's place in one network's conversation."""

    def __init__(self, session, caller, network, mine):
        """``mine``: the caller's row in the network (``membership``), or None."""
        self.network = network
        self.person_id = caller.person_id
        self.convener = caller.authenticated and can_convene(session, caller, network, mine)
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
    network, mine = seen_network(session, caller, network_id, ON_DEMAND)
    standing = Standing(session, caller, network, mine)
    if not standing.reader:
        access.require_authenticated(caller)
        raise Forbidden("Only the network's members read its conversation.")
    return standing


def poster_standing(session, caller, network_id):
    """The caller's standing to post in the network: 404 when the network is out of sight, 403 (join it
    first) when they are not a member, whether or not they may read its conversation."""
    network, mine = seen_network(session, caller, network_id, ON_DEMAND)
    standing = Standing(session, caller, network, mine)
    standing.require_member()
    return standing


def thread_missing(thread_id):
    return NotFound("Thread {thread_id} not found.", thread_id=thread_id)


def post_missing(post_id):
    return NotFound("Post {post_id} not found.", post_id=post_id)


def _readable(session, caller, network, missing):
    """The caller's standing in ``network``, or ``missing`` when they may not read its conversation
    (the network out of their sight included). The caller's membership is read once for both."""
    standing = _reader(session, caller, network, membership(session, network.id, caller.person_id))
    if standing is None:
        raise missing
    return standing


def _reader(session, caller, network, mine):
    """The caller's standing when they see ``network`` and read its conversation, else None."""
    if not can_see(caller, network, mine):
        return None
    standing = Standing(session, caller, network, mine)
    return standing if standing.reader else None


def thread_standing(session, caller, thread_id):
    """The thread and the caller's standing, or 404 for whoever may not read it, as for whoever may not
    see its opening post (hidden: its author and the conveners see it). The thread and its network are
    read in one statement."""
    found = session.execute(
        select(Thread, Network).join(Network, Network.id == Thread.network_id)
        .where(Thread.id == str(thread_id)).options(*ON_DEMAND)
    ).first() if thread_id else None
    if found is None:
        raise thread_missing(thread_id)
    thread, network = found
    standing = _readable(session, caller, network, thread_missing(thread_id))
    if not sees_thread(session, standing, thread):
        raise thread_missing(thread_id)  # a thread whose opening post is hidden is out of sight with it
    return thread, standing


class _Owner(NamedTuple):
    association_id: str
    status: str


class _NetworkFacts(NamedTuple):
    """What the rules of reading read of a network (``can_see``, ``can_convene``), without its row."""
    id: str
    visibility: str
    owners: tuple


class _MembershipFacts(NamedTuple):
    status: str
    role: str


def standing_from_facts(session, caller, network_id, visibility, owners, member_status, member_role):
    """The caller's standing as a reader of a network's conversation, from the facts the rules read (read
    by the caller's statement, e.g. with the page itself): the network's id and visibility, its owners as
    ``[association id, status]`` pairs and the caller's membership status and role (None when they have
    none). None when the caller is not a reader; the row-loading ``thread_standing`` and
    ``network_standing`` then say why, as they do for every other use."""
    network = _NetworkFacts(network_id, visibility, tuple(_Owner(*o) for o in owners or ()))
    mine = _MembershipFacts(member_status, member_role) if member_status is not None else None
    return _reader(session, caller, network, mine)


def post_standing(session, caller, post_id):
    """The post, its thread and the caller's standing, or 404 for whoever may not see it, as for whoever
    may not read its thread (its opening post hidden from them). Its author still reaches it when they no
    longer read the network's conversation (they left it or were removed from it): to read and delete it,
    not to change it."""
    post = session.get(Post, str(post_id)) if post_id else None
    if post is None:
        raise post_missing(post_id)
    network = session.get(Network, post.network_id, options=ON_DEMAND)
    mine = membership(session, network.id, caller.person_id)
    standing = _reader(session, caller, network, mine)
    if standing is None and caller.authenticated and post.author_id == caller.person_id:
        standing = Standing(session, caller, network, mine)  # neither reader nor member: their own post
    if standing is None:
        raise post_missing(post_id)
    thread = session.get(Thread, post.thread_id)
    if not (standing.sees(post) and sees_thread(session, standing, thread, post)):
        raise post_missing(post_id)
    return post, thread, standing


def sees_thread(session, standing, thread, post=None):
    """Whether the reader with ``standing`` sees ``thread``: not when its opening post is hidden from them
    (``post``: one of its posts, which is the opening post or not)."""
    opening = post if post is not None and post.opening else opening_post(session, thread)
    return opening is None or standing.sees(opening)


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
        # the person may well exist: what is wrong is that they are not in the network
        raise ValidationFailed("Only the network's members can be mentioned.",
                               {"mentions": ["Only the network's members can be mentioned."]})
    return wanted
