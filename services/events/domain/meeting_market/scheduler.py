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
    each ``minutes`` long, in time order; a window's rest shorter than a meeting holds none. Slots never
    overlap: where windows do, a slot that would begin before the previous one ends is left out."""
    length = timedelta(minutes=minutes)
    starts = []
    for window in windows:
        start, end = (instant(window["starts_at"]), instant(window["ends_at"]))
        while start + length <= end:
            starts.append(start)
            start += length
    kept = []
    for start in sorted(set(starts)):
        if not kept or start >= kept[-1] + length:
            kept.append(start)
    return [Slot(i, start, start + length) for i, start in enumerate(kept)]


def overlapping(windows):
    """Whether two of ``windows`` share a moment; windows that only touch (one ends as the next
    begins) do not."""
    spans = sorted((instant(w["starts_at"]), instant(w["ends_at"])) for w in windows)
    return any(later_start < earlier_end for (_, earlier_end), (later_start, _) in zip(spans, spans[1:]))


def too_short(windows, minutes):
    """Whether a window of ``windows`` is too short to hold one meeting of ``minutes``."""
    length = timedelta(minutes=minutes)
    return any(instant(w["ends_at"]) - instant(w["starts_at"]) < length for w in windows)


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


def move(all_slots, current, busy, tables_taken, tables, mode, now, wanted=None):
    """Where a meeting in slot ``current`` moves: to the slot starting at ``wanted`` or, without it, to
    the earliest slot after ``now`` other than its own, free for both sides with a free table (or its
    online link). Returns ``(placement, why_not)``: why_not is ``not_a_slot``, ``past``, ``same``,
    ``busy`` or ``no_table`` when ``wanted`` cannot be had, ``no_slot`` when no slot is free.

    ``busy``: slot indexes either side meets in, this meeting's own left out; ``tables_taken``: slot
    index -> tables in use by other meetings."""
    if wanted is None:
        later = [slot for slot in all_slots if slot.index != current and slot.starts_at > now]
        placement = place(later, busy, tables_taken, tables, mode)
        return (placement, None) if placement else (None, "no_slot")
    slot = next((slot for slot in all_slots if slot.starts_at == wanted), None)
    if slot is None:
        return None, "not_a_slot"
    if slot.starts_at <= now:
        return None, "past"
    if slot.index == current:
        return None, "same"
    if slot.index in busy:
        return None, "busy"
    placement = place([slot], busy, tables_taken, tables, mode)
    return (placement, None) if placement else (None, "no_table")


def plan(all_slots, pairs, busy, tables_taken, tables, mode, counts, maximum, not_before=None):
    """Place many accepted requests at once, greedily, each in the earliest slot free for both sides
    (in the order of ``pairs``), as ``place`` would one after the other.

    ``pairs``: ``[(key, person, other)]``; ``busy``: person -> slot indexes they already meet in;
    ``tables_taken``: slot index -> tables in use; ``counts``: person -> meetings they already have,
    at most ``maximum``. Returns ``(placed, unplaced)``: key -> Placement, and key -> why not
    (``maximum`` or ``no_common_slot``). The arguments are left as they are.
    """
    usable = [slot for slot in all_slots if not_before is None or slot.starts_at >= not_before]
    # per slot the free tables, the preferred one last, so taking one is a pop
    free = {slot.index: [t for t in reversed(tables) if t not in tables_taken.get(slot.index, ())]
            for slot in usable}
    busy = {person: set(slots_) for person, slots_ in busy.items()}
    counts = dict(counts)
    placed, unplaced = {}, {}
    for key, person, other in pairs:
        if counts.get(person, 0) >= maximum or counts.get(other, 0) >= maximum:
            unplaced[key] = "maximum"
            continue
        taken = busy.setdefault(person, set()) | busy.setdefault(other, set())
        placement = None
        for slot in usable:
            if slot.index in taken:
                continue
            tables_free = free[slot.index]
            if mode == "online":
                placement = Placement(slot, None)
            elif tables_free:
                placement = Placement(slot, tables_free.pop())
            elif mode == "hybrid":
                placement = Placement(slot, None)
            if placement is not None:
                break
        if placement is None:
            unplaced[key] = "no_common_slot"
            continue
        placed[key] = placement
        for someone in (person, other):
            busy[someone].add(placement.slot.index)
            counts[someone] = counts.get(someone, 0) + 1
    return placed, unplaced


def within(windows, starts_at, ends_at):
    """Whether every window lies inside the event's time."""
    return all(starts_at <= instant(w["starts_at"]) and instant(w["ends_at"]) <= ends_at for w in windows)
