"""The listing of events with no filter but upcoming or past (a calendar's front page, the most asked
search), chosen and counted by a statement prepared once per connection for each of ``when``'s values,
on PostgreSQL: the same ids, order and total as ``search.criteria``'s statement, which is built and
planned anew for each search. Who may see an event is ``access.event_visibility_filter``'s rule, given
as the caller's arrays: the associations the caller belongs to or administers, those administered, and
whether the caller sees everything."""
from sqlalchemy import text

from nabo_common.persistence.prepared import PreparedStatement
from services.events.domain.common import utcnow

_HOSTED_BY = "EXISTS (SELECT 1 FROM event_hosts h WHERE h.event_id = e.id AND h.association_id = ANY({}))"
_VISIBLE = f"""(:privileged
    OR (e.status <> 'draft' AND (e.visibility = 'public' OR {_HOSTED_BY.format(':visible')}))
    OR {_HOSTED_BY.format(':admin_of')})"""
# ``when``: (what an event of it meets besides being visible, its order), as search.criteria_of has them
_WHEN = {
    "upcoming": ("e.ends_at >= :now AND e.status IN ('published', 'draft')", "e.starts_at, e.id"),
    "past": ("e.ends_at < :now", "e.starts_at DESC, e.id"),
    "all": ("true", "e.starts_at, e.id"),
}
_TYPES = {"privileged": "boolean", "visible": "text[]", "admin_of": "text[]", "now": "timestamptz",
          "limit": "integer", "offset": "integer"}
PAGES = {
    when: PreparedStatement(text(f"""SELECT e.id, e.venue_organisation_id, count(*) OVER ()
FROM events e WHERE {_VISIBLE} AND {condition}
ORDER BY {order} LIMIT :limit OFFSET :offset"""), _TYPES)
    for when, (condition, order) in _WHEN.items()
}


def page_rows(session, caller, q):
    """Rows of (id, venue host company, how many match) of the page the loaded, unfiltered query ``q``
    asks ``caller`` for."""
    return PAGES[q["when"]].rows(session, {
        "privileged": caller.is_privileged, "visible": [str(a) for a in caller.visible_associations or ()],
        "admin_of": [str(a) for a in caller.admin_of], "now": utcnow(), "limit": q["limit"],
        "offset": q["offset"] or 0})
