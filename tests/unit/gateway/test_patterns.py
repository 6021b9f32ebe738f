"""A patterned field takes only values the whole pattern matches, as the
OpenAPI document's pattern says: Python's `$` alone also matches before a
final line break (fuzzing found `GET /v1/events?theme=x%0A` accepted)."""
import pytest
from marshmallow import ValidationError

from contracts.api import common, events, members
from nabo_common.api import validation


@pytest.mark.parametrize("schema, field, good", [
    (events.EventQuery, "theme", "Green transition"),
    (members.AssociationCreate, "slug", "fjordby-erhverv"),
])
def test_a_final_line_break_is_refused(schema, field, good):
    fields = validation.schema(schema).load_fields
    fields[field].deserialize(good)
    with pytest.raises(ValidationError):
        fields[field].deserialize(good + "\n")


def test_patterns_are_documented_as_they_are():
    pattern = common.Pattern(r"^[A-Z]{3}$")
    assert pattern("DKK") == "DKK"
    for value in ("DKK\n", "DKKX", "dkk"):
        with pytest.raises(ValidationError):
            pattern(value)
