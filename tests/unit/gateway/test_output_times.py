"""Every date-time leaves the API in one documented form: an event's moments in its own time zone
(``EventTime``, with the zone beside them), every other moment in UTC with Z (``Instant``)."""
import importlib
import pkgutil

from marshmallow import fields

import contracts.api
from contracts.api.common import EventTime, Instant, Output


def output_schemas():
    for module in pkgutil.iter_modules(contracts.api.__path__):
        loaded = importlib.import_module(f"contracts.api.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, Output) and value.__module__ == loaded.__name__:
                yield value


def test_every_output_date_time_is_an_event_time_or_an_instant():
    loose = [
        f"{schema.__module__}.{schema.__name__}.{name}"
        for schema in output_schemas()
        for name, field in schema._declared_fields.items()
        if isinstance(field, fields.DateTime) and not isinstance(field, (EventTime, Instant))
    ]
    assert loose == []


def test_the_scan_sees_the_outputs_with_times():
    schemas = {schema.__name__ for schema in output_schemas()}
    assert {"MeetingOut", "Event"} <= schemas
