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

from typing import NamedTuple

from sqlalchemy import bindparam, text

from contracts.api import conversations as schemas
from nabo_common.api.validation import load
from nabo_common.persistence import db
from nabo_common.persistence.prepared import PreparedStatement
from nabo_common.runtime.jsoncodec import http_dumps
from services.members.domain.conversations import access, posts, threads


def _utc(column):
    """``column`` as ``utc_text`` writes it: RFC 3339 in UTC with Z, microseconds only when there are any
    (one ``to_char``, its ``.000000`` dropped: half the cost of testing for microseconds first)."""
    written = f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
    return f"replace({written}, '.000000', '') || 'Z'"


def _author_json(p):
    """The author of the row ``p``, their name looked up by its key (also in a plan made once for any
    page: a join could be planned for the whole table)."""
    return f"""CASE WHEN {p}.deleted THEN NULL ELSE json_build_object(
        'person_id', {p}.author_id, 'name', (SELECT a.name FROM persons a WHERE a.id = {p}.author_id)) END"""


def _post_json(p):
    """``views.post_view`` of the row ``p``."""
    return f"""json_build_object(
        'id', {p}.id, 'thread_id', {p}.thread_id, 'network_id', {p}.network_id,
        'reply_to_id', {p}.reply_to_id, 'opening', {p}.opening,
        'author', {_author_json(p)},
        'body', {p}.body, 'themes', {p}.themes, 'links', {p}.links,
        'hidden', {p}.hidden, 'deleted', {p}.deleted,
        'created_at', {_utc(f"{p}.created_at")}, 'edited_at', {_utc(f"{p}.edited_at")})"""


# the caller sees a post when they see every post (conveners), when it is not hidden, or when it is theirs
_SEES = "(:sees_all OR NOT {p}.hidden OR {p}.author_id = :person_id)"

_PAGE = """json_build_object(
    'items', coalesce(({items}), '[]'::json),
    'total', ({total}), 'limit', :limit, 'offset', :offset)::text"""

_THREAD_POSTS = f"""
WITH page AS (
    SELECT * FROM posts p
    WHERE p.thread_id = :thread_id AND {_SEES.format(p="p")}
    ORDER BY p.created_at, p.id LIMIT :limit OFFSET :offset
)
SELECT {_PAGE.format(
    items=f'''SELECT json_agg({_post_json("page")} ORDER BY page.created_at, page.id) FROM page''',
    total=f"SELECT count(*) FROM posts p WHERE p.thread_id = :thread_id AND {_SEES.format(p='p')}")}
"""

# the opening post is joined on ``p.opening`` itself, the predicate of the partial index ix_posts_opening
_THREADS_OF_NETWORK = f"""
    FROM threads t JOIN posts p ON p.thread_id = t.id AND p.opening
    WHERE t.network_id = :network_id AND {_SEES.format(p="p")}"""
# a statement of its own with a kind and one without: each keeps one plan that fits it
_OF_KIND = " AND t.kind = :kind"
# without a kind, the threads everyone sees are counted by PostgreSQL as they are written, hidden and restored
# (networks.visible_thread_count); the hidden ones the caller sees are few (ix_posts_network_opening)
_COUNT_OF_ANY_KIND = """SELECT n.visible_thread_count + (
        SELECT count(*) FROM posts p WHERE p.network_id = :network_id AND p.opening AND p.hidden
        AND (:sees_all OR p.author_id = :person_id))
    FROM networks n WHERE n.id = :network_id"""


def _network_threads(threads, count):
    return f"""
WITH page AS (
    SELECT t.id AS t_id, t.network_id AS t_network_id, t.kind AS t_kind, t.title AS t_title,
           t.locked AS t_locked, t.last_activity_at AS t_last_activity_at, t.created_at AS t_created_at,
           t.visible_reply_count AS t_visible_reply_count, p.*
    {threads}
    ORDER BY t.last_activity_at DESC, t.id LIMIT :limit OFFSET :offset
)
SELECT {_PAGE.format(
    items=f'''SELECT json_agg(json_build_object(
                  'id', page.t_id, 'network_id', page.t_network_id, 'kind', page.t_kind,
                  'title', page.t_title,
                  'author', {_author_json("page")},
                  'locked', page.t_locked,
                  'reply_count', page.t_visible_reply_count,
                  'last_activity_at', {_utc("page.t_last_activity_at")},
                  'created_at', {_utc("page.t_created_at")},
                  'opening_post', {_post_json("page")})
                  ORDER BY page.t_last_activity_at DESC, page.t_id)
              FROM page''',
    total=count)}
"""


_NETWORK_THREADS = _network_threads(_THREADS_OF_NETWORK, _COUNT_OF_ANY_KIND)
_NETWORK_THREADS_OF_KIND = _network_threads(_THREADS_OF_NETWORK + _OF_KIND,
                                            f"SELECT count(*) {_THREADS_OF_NETWORK}{_OF_KIND}")

# what the rules of reading read (access.standing_from_facts), beside the page in the same statement: the
# network, its owners and the caller's membership
_FACTS = """n.id, n.visibility,
    (SELECT json_agg(json_build_array(o.association_id, o.status)) FROM network_owners o
     WHERE o.network_id = n.id),
    m.status, m.role"""
_CALLERS_MEMBERSHIP = "LEFT JOIN network_members m ON m.network_id = n.id AND m.person_id = :person_id"


def _with_facts(page, of_thread):
    """The facts, the page, and a thread's opening post's hidden flag and author (whoever may not see
    it may not read the thread)."""
    if of_thread:
        return (f"SELECT {_FACTS}, ({page}), op.hidden, op.author_id "
                f"FROM threads t JOIN networks n ON n.id = t.network_id "
                f"LEFT JOIN posts op ON op.thread_id = t.id AND op.opening {_CALLERS_MEMBERSHIP} "
                f"WHERE t.id = :thread_id")
    return (f"SELECT {_FACTS}, ({page}), NULL, NULL FROM networks n {_CALLERS_MEMBERSHIP} "
            f"WHERE n.id = :network_id")


def _statement(sql):
    return text(sql).bindparams(bindparam("sees_all"), bindparam("person_id"))


THREAD_POSTS = _statement(_THREAD_POSTS)
THREAD_POSTS_WITH_FACTS = _statement(_with_facts(_THREAD_POSTS, of_thread=True))
NETWORK_THREADS = _statement(_NETWORK_THREADS)
NETWORK_THREADS_WITH_FACTS = _statement(_with_facts(_NETWORK_THREADS, of_thread=False))
NETWORK_THREADS_OF_KIND = _statement(_NETWORK_THREADS_OF_KIND)
NETWORK_THREADS_OF_KIND_WITH_FACTS = _statement(_with_facts(_NETWORK_THREADS_OF_KIND, of_thread=False))

_TYPES = {"thread_id": "text", "network_id": "text", "kind": "varchar", "limit": "integer",
          "offset": "integer", "sees_all": "boolean", "person_id": "text"}
# planned once per connection: planning them costs as much as running them
PREPARED = {statement: PreparedStatement(statement, _TYPES) for statement in (
    THREAD_POSTS, THREAD_POSTS_WITH_FACTS, NETWORK_THREADS, NETWORK_THREADS_WITH_FACTS,
    NETWORK_THREADS_OF_KIND, NETWORK_THREADS_OF_KIND_WITH_FACTS)}


def _sees(standing):
    return {"sees_all": standing.convener, "person_id": standing.person_id or ""}


class _Opening(NamedTuple):
    hidden: bool
    author_id: str


def _page(session, caller, with_facts, without_facts, params, standing_otherwise):
    """The page and the caller's standing read in one statement, the page as a reader who is not a
    convener sees it; read again when the caller turns out to be one (they see hidden posts too). When
    the caller may not read it, ``standing_otherwise`` (the rows read as for every other use) raises what
    they are told, and the page read is dropped."""
    params = dict(params, sees_all=False, person_id=caller.person_id or "")
    found = PREPARED[with_facts].row(session, params)
    standing = access.standing_from_facts(session, caller, *found[:5]) if found is not None else None
    if standing is not None and found[6] is not None and not standing.sees(_Opening(*found[6:8])):
        standing = None  # its opening post is hidden from the caller, and the thread with it
    if standing is None:
        standing = standing_otherwise()
    elif not standing.convener:
        return found[5]
    return PREPARED[without_facts].scalar(session, dict(params, **_sees(standing)))


def thread_posts(session, caller, thread_id, query):
    """``posts.list_`` as JSON text."""
    if not db.on_postgresql(session):
        return http_dumps(posts.list_(session, caller, thread_id, query)).decode()
    q = load(schemas.PostQuery, query)
    if not thread_id:
        raise access.thread_missing(thread_id)
    return _page(session, caller, THREAD_POSTS_WITH_FACTS, THREAD_POSTS,
                 {"thread_id": str(thread_id), "limit": q["limit"], "offset": q["offset"]},
                 lambda: access.thread_standing(session, caller, thread_id)[1])


def network_threads(session, caller, network_id, query):
    """``threads.list_`` as JSON text."""
    if not db.on_postgresql(session):
        return http_dumps(threads.list_(session, caller, network_id, query)).decode()
    q = load(schemas.ThreadQuery, query)
    if not network_id:
        return access.network_standing(session, caller, network_id)  # raises what the caller is told
    statements = (NETWORK_THREADS_OF_KIND_WITH_FACTS, NETWORK_THREADS_OF_KIND) if q.get("kind") \
        else (NETWORK_THREADS_WITH_FACTS, NETWORK_THREADS)
    params = {"network_id": str(network_id), "kind": q.get("kind"), "limit": q["limit"],
              "offset": q["offset"]}
    return _page(session, caller, *statements, params,
                 lambda: access.network_standing(session, caller, network_id))
