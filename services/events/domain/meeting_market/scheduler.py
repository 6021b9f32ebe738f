"""Where an accepted meeting goes: plain functions over slots, busy slots and taken tables, no
database. The database's unique constraints keep concurrent placements apart; this picks the place."""
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Slot:
    index: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Placement:
    slot: Slot
    table: str | None  # None: online


def slots(windows, minutes):
    """The meeting slots of ``windows`` (``[{"starts_at", "ends_at"}]``, aware datetimes or ISO text),
    each ``minutes`` long, in time order; a window's rest shorter than a meeting holds none."""
    length = timedelta(minutes=minutes)
    starts = []
    for window in windows:
        start, end = (instant(window["starts_at"]), instant(window["ends_at"]))
        while start + length <= end:
            starts.append(start)
            start += length
    return [Slot(i, start, start + length) for i, start in enumerate(sorted(set(starts)))]


def instant(value):
    """An aware datetime from one or from its ISO text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def place(all_slots, busy, tables_taken, tables, mode, not_before=None):
    """The earliest placement free for both sides, or None.

    ``busy``: slot indexes either side already meets in; ``tables_taken``: slot index -> tables in
    use; ``tables``: the market's tables in order of preference. In person a meeting needs a free
    table; online none; hybrid takes a free table if there is one, else meets online.
    """
    for slot in all_slots:
        if slot.index in busy or (not_before is not None and slot.starts_at < not_before):
            continue
        taken = tables_taken.get(slot.index, ())
        table = next((t for t in tables if t not in taken), None)
        if mode == "online":
            return Placement(slot, None)
        if table is not None or mode == "hybrid":
            return Placement(slot, table)
    return None


def within(windows, starts_at, ends_at):
    """Whether every window lies inside the event's time."""
    return all(starts_at <= instant(w["starts_at"]) and instant(w["ends_at"]) <= ends_at for w in windows)
