"""The ``post.*`` and ``thread.*`` events, through the outbox: what a
notification to the network's members needs, never the posts' text."""

from services.members.domain.networks.conveners import convener_ids
from services.members.domain.networks.publishing import publish_for
from services.members.domain.networks.visibility import active_owner_ids, display_name


def post_created(session, caller, network, thread, post, mentioned=(), replied=None):
    """``mentioned``: the person ids the post mentions; ``replied``: the post it answers."""
    publish_for(
        session,
        caller,
        network,
        "post.created",
        {
            "post_id": post.id,
            "thread_id": thread.id,
            "network_id": network.id,
            "network_name": display_name(network),
            "network_names": dict(network.name),
            "association_ids": active_owner_ids(network),
            "author_person_id": post.author_id,
            "kind": thread.kind,
            "title": thread.title,
            "themes": list(post.themes),
            "opening": post.opening,
            "reply_to_id": post.reply_to_id,
            "reply_to_author_person_id": replied.author_id if replied is not None else None,
            "thread_author_person_id": thread.author_id,
            "mentioned_person_ids": list(mentioned),
            "network_dormant": network.activity == "dormant",
            "convener_person_ids": convener_ids(session, network) if network.activity == "dormant" else [],
        },
    )


def post_changed(session, caller, network, post, event_type, changed):
    publish_for(
        session,
        caller,
        network,
        event_type,
        {
            "post_id": post.id,
            "thread_id": post.thread_id,
            "network_id": network.id,
            "association_ids": active_owner_ids(network),
            "author_person_id": post.author_id,
            "changed": sorted(changed),
        },
    )


def thread_changed(session, caller, network, thread, event_type, changed):
    publish_for(
        session,
        caller,
        network,
        event_type,
        {
            "thread_id": thread.id,
            "network_id": network.id,
            "association_ids": active_owner_ids(network),
            "kind": thread.kind,
            "changed": sorted(changed),
        },
    )
