"""Deprecating an operation or a field of the API without breaking its clients.

A deprecated field keeps working for at least one release; the OpenAPI document marks it (and a deprecated
operation) ``deprecated: true`` and says until when it stays, and every response of an operation that is
deprecated or takes or returns a deprecated field carries ``Deprecation`` (RFC 9745) and ``Sunset``
(RFC 8594) headers, with a link to the API page. The policy is in docs/api-versioning.md.

    legacy = fields.String(metadata=deprecated_field(date(2026, 12, 1), date(2027, 6, 1), "Use ``name``."))
"""
import calendar
from dataclasses import dataclass
from datetime import date
from email.utils import formatdate

from marshmallow import fields

DOCS_LINK = '</v1/docs>; rel="deprecation"; type="text/html"'
SINCE_KEY = "x-deprecated-since"
SUNSET_KEY = "x-sunset"


@dataclass(frozen=True)
class Deprecation:
    since: date  # the day the release that deprecated it came out
    sunset: date  # the earliest day it may be taken away
    instead: str = ""  # what to use in its place

    def headers(self):
        return {
            "Deprecation": f"@{_epoch(self.since)}",
            "Sunset": formatdate(_epoch(self.sunset), usegmt=True),
            "Link": DOCS_LINK,
        }

    def text(self):
        return f"Deprecated since {self.since.isoformat()}; kept until at least {self.sunset.isoformat()}. " \
               + self.instead


def _epoch(day):
    return calendar.timegm(day.timetuple())


def deprecated_field(since, sunset, instead):
    """A field's ``metadata`` marking it deprecated (see the module's docstring)."""
    notice = Deprecation(since, sunset, instead)
    return {"deprecated": True, SINCE_KEY: since.isoformat(), SUNSET_KEY: sunset.isoformat(),
            "description": notice.text()}


def _of_field(field, seen):
    if field.metadata.get("deprecated"):
        return Deprecation(date.fromisoformat(field.metadata[SINCE_KEY]),
                           date.fromisoformat(field.metadata[SUNSET_KEY]))
    if isinstance(field, fields.Nested):
        return of_schema(type(field.schema), seen)
    if isinstance(field, fields.List):
        return _of_field(field.inner, seen)
    return None


def of_schema(schema_cls, _seen=None):
    """The deprecation of a schema's deprecated field (the soonest sunset), or None."""
    seen = _seen if _seen is not None else set()
    if schema_cls is None or schema_cls in seen:
        return None
    seen.add(schema_cls)
    found = [d for d in (_of_field(f, seen) for f in schema_cls._declared_fields.values()) if d is not None]
    return min(found, key=lambda d: d.sunset, default=None)


def of_operation(deprecated, *schemas):
    """What a client of an operation is told: the operation's own deprecation, else its fields' soonest."""
    if deprecated is not None:
        return deprecated
    found = [d for d in (of_schema(s) for s in schemas) if d is not None]
    return min(found, key=lambda d: d.sunset, default=None)


# An operation's answers ask for its deprecation on every request. The fields its schemas reach, and how
# they nest, are walked once per tuple of schemas into a tree; each request reads the fields' metadata
# from that tree as ``of_operation`` would, so a field marked deprecated (or unmarked) later still counts.
# A schema met again on another branch is in the tree again (only a schema nested in itself is cut): its
# fields then count once more, which changes no soonest sunset.
_field_trees = {}


def _tree_of_field(field, within):
    if isinstance(field, fields.Nested):
        return field, _tree_of_schema(type(field.schema), within)
    if isinstance(field, fields.List):
        return field, (_tree_of_field(field.inner, within),)
    return field, ()


def _tree_of_schema(schema_cls, within=frozenset()):
    if schema_cls is None or schema_cls in within:
        return ()
    within = within | {schema_cls}
    return tuple(_tree_of_field(f, within) for f in schema_cls._declared_fields.values())


def _soonest(tree):
    soonest = None
    for field, below in tree:
        metadata = field.metadata
        if metadata.get("deprecated"):
            found = Deprecation(date.fromisoformat(metadata[SINCE_KEY]),
                                date.fromisoformat(metadata[SUNSET_KEY]))
        elif below:
            found = _soonest(below)
            if found is None:
                continue
        else:
            continue
        if soonest is None or found.sunset < soonest.sunset:
            soonest = found
    return soonest


def _fields_of(tree):
    for field, below in tree:
        yield field
        yield from _fields_of(below)


def of_operation_fields(deprecated, *schemas):
    """``of_operation``'s answer, the schemas' nesting walked once (see ``_field_trees``); while none of
    their fields is marked, which is the rule, the tree's fields are read in a row, not walked."""
    if deprecated is not None:
        return deprecated
    found = _field_trees.get(schemas)
    if found is None:
        tree = tuple(node for s in schemas for node in _tree_of_schema(s))
        found = _field_trees[schemas] = (tree, tuple(_fields_of(tree)))
    tree, every_field = found
    for field in every_field:
        if field.metadata.get("deprecated"):
            return _soonest(tree)
    return None
