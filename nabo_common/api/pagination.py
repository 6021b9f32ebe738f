"""Limit/offset pagination with a hard maximum, shared by every list."""
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import func, select

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 100_000


class PageQuery(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"Page size, at most {MAX_LIMIT}."})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


def page_schema(item_schema, name=None):
    """A response schema class ``{items, total, limit, offset}`` for ``item_schema``."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "limit": fields.Integer(required=True),
        "offset": fields.Integer(required=True),
    }, name=name or f"{item_schema.__name__.removesuffix('Schema')}Page")


def paginate(session, stmt, limit, offset):
    """Run ``stmt`` for one page and count the whole result set."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.limit(limit).offset(offset)).all()
    return rows, total


def page(items, total, limit, offset):
    return {"items": items, "total": total, "limit": limit, "offset": offset}
