"""Statements PostgreSQL plans once per connection instead of at every call.

Planning the statement of a page written as JSON by PostgreSQL costs about as much as running it
(0.3 to 0.8 ms, on every request). A ``PreparedStatement`` is prepared (``PREPARE``) the first time a
pooled connection runs it and executed by name from then on, so the server keeps its plan with the
connection: one plan made for any values (``plan_cache_mode``). The statements are written so that one
plan fits all their values: no optional predicates, and names looked up by key rather than joined, so
that no plan reads a whole table for a page whose size it does not know. The parameters are declared
with their types, since a page's ``limit`` also appears where PostgreSQL cannot infer one. The
statement text is a ``text()`` construct like any other, compiled once by SQLAlchemy for psycopg2;
PostgreSQL only.
"""
import re
from itertools import count

from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2
from sqlalchemy.engine import Connection

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_names = count(1)
# the server setting every connection of ``db.make_engine`` opens with: only these statements are prepared
# on nabo's connections (psycopg2 prepares none), so it is theirs: the plan made once is kept, with no
# custom plan made per call. Set when the connection opens: a SET in a transaction is undone by its rollback
GENERIC_PLANS = "plan_cache_mode=force_generic_plan"
PREPARED_KEY = "nabo_prepared"  # the connection's info: names of the statements prepared on it


class PreparedStatement:
    def __init__(self, statement, types):
        """``statement``: a ``text()`` with ``:name`` parameters; ``types``: each parameter's PostgreSQL
        type, e.g. ``{"limit": "integer"}``."""
        compiled = str(statement.compile(dialect=pg_psycopg2.dialect()))
        self.order = list(dict.fromkeys(_PLACEHOLDER.findall(compiled)))
        missing = set(self.order) - set(types)
        if missing:
            raise ValueError(f"no type for the parameters {sorted(missing)}")
        numbered = _PLACEHOLDER.sub(lambda m: f"${self.order.index(m.group(1)) + 1}", compiled)
        self.name = f"nabo_statement_{next(_names)}"
        self.prepare_sql = (f"PREPARE {self.name} ({', '.join(types[p] for p in self.order)}) AS "
                            f"{numbered.replace('%%', '%')}")
        self.execute_sql = f"EXECUTE {self.name} ({', '.join(['%s'] * len(self.order))})"

    def _parameters(self, params):
        return tuple(params.get(p) for p in self.order)

    def row(self, session, params):
        """The first row (a tuple), or None; run on ``session``'s connection (and in its transaction), or on
        ``session`` itself where it is a Connection."""
        return self._run(session, params, lambda cursor: cursor.fetchone())

    def rows(self, session, params):
        """Every row (tuples), as ``row``."""
        return self._run(session, params, lambda cursor: cursor.fetchall())

    def _run(self, session, params, fetch):
        # a Session (in its transaction) or a Connection (an autocommit engine's: the statement commits alone)
        proxied = session.connection if isinstance(session, Connection) else session.connection().connection
        prepared = proxied.info.setdefault(PREPARED_KEY, set())
        cursor = proxied.dbapi_connection.cursor()
        try:
            if self.name not in prepared:
                cursor.execute(self.prepare_sql)
                prepared.add(self.name)
            cursor.execute(self.execute_sql, self._parameters(params))
            return fetch(cursor)
        finally:
            cursor.close()

    def scalar(self, session, params):
        """The first column of the first row, or None."""
        found = self.row(session, params)
        return None if found is None else found[0]
