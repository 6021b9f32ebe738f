"""A thread's page of posts and a network's page of threads as JSON text,
built once.

On PostgreSQL one statement reads the page, its authors' names, its reply
counts and its total and writes the whole answer with ``json_build_object``
and ``json_agg``; the text crosses the service and the gateway as it is, with
no Python object per post and no decoding and encoding again on the way. On
any other database (SQLite under ``make run``) the page is the ORM's
(``posts.list_``, ``threads.list_``) written out by the same JSON codec as
every reply. Both give the same JSON; the tests compare them on every case of
visibility. Who may read the page is decided by the caller's
standing in the network, before the page is read.
"""

from sqlalchemy import bindparam, text

from contracts.api import conversations as schemas
from nabo_common.api.validation import load
from nabo_common.runtime.jsoncodec import http_dumps
from services.members.domain.conversations import posts, threads
from services.members.domain.conversations.access import network_standing, thread_standing


def _utc(column):
    """``column`` as ``utc_text`` writes it: RFC 3339 in UTC with Z, microseconds only when there are any."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' "
        f"ELSE to_char({column} AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


def _post_json(p, author):
    """``views.post_view`` of the row ``p`` whose author's row is ``author``."""
    return f"""json_build_object(
        'id', {p}.id, 'thread_id', {p}.thread_id, 'network_id', {p}.network_id,
        'reply_to_id', {p}.reply_to_id, 'opening', {p}.opening,
        'author', CASE WHEN {p}.deleted THEN NULL
                       ELSE json_build_object('person_id', {p}.author_id, 'name', {author}.name) END,
        'body', {p}.body, 'themes', {p}.themes, 'links', {p}.links,
        'hidden', {p}.hidden, 'deleted', {p}.deleted,
        'created_at', {_utc(f"{p}.created_at")}, 'edited_at', {_utc(f"{p}.edited_at")})"""


# the caller sees a post when they see every post (conveners), when it is not hidden, or when it is theirs
_SEES = "(:sees_all OR NOT {p}.hidden OR {p}.author_id = :person_id)"

_PAGE = """json_build_object(
    'items', coalesce(({items}), '[]'::json),
    'total', ({total}), 'limit', :limit, 'offset', :offset)::text"""

THREAD_POSTS = text(f"""
WITH page AS (
    SELECT * FROM posts p
    WHERE p.thread_id = :thread_id AND {_SEES.format(p="p")}
    ORDER BY p.created_at, p.id LIMIT :limit OFFSET :offset
)
SELECT {_PAGE.format(
    items=f'''SELECT json_agg({_post_json("page", "a")} ORDER BY page.created_at, page.id)
              FROM page LEFT JOIN persons a ON a.id = page.author_id''',
    total=f"SELECT count(*) FROM posts p WHERE p.thread_id = :thread_id AND {_SEES.format(p='p')}")}
""").bindparams(bindparam("sees_all"), bindparam("person_id"))

# the opening post is joined on ``p.opening`` itself, the predicate of the partial index ix_posts_opening
_THREADS_OF_NETWORK = f"""
    FROM threads t JOIN posts p ON p.thread_id = t.id AND p.opening
    WHERE t.network_id = :network_id AND {_SEES.format(p="p")}
      AND (CAST(:kind AS varchar) IS NULL OR t.kind = :kind)"""
# without a kind, the threads are counted from their opening posts alone (ix_posts_network_opening)
_COUNT_OF_ANY_KIND = f"""SELECT count(*) FROM posts p
    WHERE p.network_id = :network_id AND p.opening AND {_SEES.format(p="p")}"""


def _network_threads(count):
    return text(f"""
WITH page AS (
    SELECT t.id AS t_id, t.network_id AS t_network_id, t.kind AS t_kind, t.title AS t_title,
           t.locked AS t_locked, t.last_activity_at AS t_last_activity_at, t.created_at AS t_created_at, p.*
    {_THREADS_OF_NETWORK}
    ORDER BY t.last_activity_at DESC, t.id LIMIT :limit OFFSET :offset
)
SELECT {_PAGE.format(
    items=f'''SELECT json_agg(json_build_object(
                  'id', page.t_id, 'network_id', page.t_network_id, 'kind', page.t_kind,
                  'title', page.t_title,
                  'author', CASE WHEN page.deleted THEN NULL
                                 ELSE json_build_object('person_id', page.author_id, 'name', a.name) END,
                  'locked', page.t_locked,
                  'reply_count', (SELECT count(*) FROM posts r WHERE r.thread_id = page.t_id
                                  AND NOT r.opening AND NOT r.hidden),  -- ix_posts_visible_replies
                  'last_activity_at', {_utc("page.t_last_activity_at")},
                  'created_at', {_utc("page.t_created_at")},
                  'opening_post', {_post_json("page", "a")})
                  ORDER BY page.t_last_activity_at DESC, page.t_id)
              FROM page LEFT JOIN persons a ON a.id = page.author_id''',
    total=count)}
""").bindparams(bindparam("sees_all"), bindparam("person_id"), bindparam("kind"))


NETWORK_THREADS = _network_threads(_COUNT_OF_ANY_KIND)
NETWORK_THREADS_OF_KIND = _network_threads(f"SELECT count(*) {_THREADS_OF_NETWORK}")


def _built_by_postgresql(session):
    return session.get_bind().dialect.name == "postgresql"


def _sees(standing):
    return {"sees_all": standing.convener, "person_id": standing.person_id or ""}


def thread_posts(session, caller, thread_id, query):
    """``posts.list_`` as JSON text."""
    if not _built_by_postgresql(session):
        return http_dumps(posts.list_(session, caller, thread_id, query)).decode()
    q = load(schemas.PostQuery, query)
    thread, standing = thread_standing(session, caller, thread_id)
    return session.scalar(THREAD_POSTS, {"thread_id": thread.id, "limit": q["limit"], "offset": q["offset"],
                                         **_sees(standing)})


def network_threads(session, caller, network_id, query):
    """``threads.list_`` as JSON text."""
    if not _built_by_postgresql(session):
        return http_dumps(threads.list_(session, caller, network_id, query)).decode()
    q = load(schemas.ThreadQuery, query)
    standing = network_standing(session, caller, network_id)
    statement = NETWORK_THREADS_OF_KIND if q.get("kind") else NETWORK_THREADS
    return session.scalar(statement, {"network_id": standing.network.id, "kind": q.get("kind"),
                                            "limit": q["limit"], "offset": q["offset"], **_sees(standing)})
