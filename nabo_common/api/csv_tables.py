"""Reading an uploaded CSV table: a header row names the columns (in any order, under any of several
common names), each further non-blank line is one record. A bad line is reported as ``"line N"`` under
``csv``, and the whole table is refused when any line is bad, so an import is all or nothing."""
import csv
import io

from nabo_common.api.errors import ValidationFailed
from nabo_common.i18n.catalogues import N_

# what the csv module cannot read: a line break or a quote in a cell that is not quoted, an unclosed quote
UNREADABLE_LINE = N_("line {line}: a cell holds a line break or a quote without being in double quotes; "
                     "put such cells in double quotes.")


class LineInvalid(Exception):
    """A line's problems: a list of messages, or messages per field."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


def column_map(header, columns):
    """{field: index of its column}: ``columns`` maps each field to its lower-cased header names, and the
    first of a field's names (in their order) that the header has wins."""
    lowered = [(h or "").strip().lower() for h in header]
    mapping = {}
    for field, names in columns.items():
        indexes = [lowered.index(name) for name in names if name in lowered]
        if indexes:
            mapping[field] = indexes[0] if isinstance(names, (tuple, list)) else min(indexes)
    return mapping


def table(text):
    """The header row and ``(line number, cells)`` of each further non-blank line. A table that is empty or
    that the csv module cannot read (a stray line break in an unquoted cell, say) is ValidationFailed
    naming the line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error:
        raise ValidationFailed("The CSV cannot be read.", {"csv": [
            UNREADABLE_LINE.format(line=reader.line_num)]}) from None
    if not rows:
        raise ValidationFailed("The CSV is empty.", {"csv": ["Expected a header row."]})
    return rows[0][1], [(line, row) for line, row in rows[1:] if any(cell.strip() for cell in row)]


def read(text, columns, needed, read_line):
    """The records of ``text``: ``read_line(cells, line)`` turns each line's ``{field: stripped cell}`` into a
    record or raises LineInvalid. ``columns`` maps each field to its lower-cased header names; the header must
    name at least one of ``needed``. Raises ValidationFailed naming every bad line."""
    records, errors = read_lines(text, columns, needed, read_line)
    if errors:
        raise ValidationFailed(
            "{count} line(s) of the CSV are invalid; nothing was imported.", {"csv": errors},
            count=len(errors),
        )
    return records


def read_lines(text, columns, needed, read_line):
    """``read``'s records, and the problems of its bad lines by ``"line N"`` (for a caller that checks the
    good lines further before it answers); a header that cannot be read still raises ValidationFailed."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("The CSV is empty.", {"csv": ["Expected a header row."]}) from None
    except csv.Error:
        raise ValidationFailed("The CSV cannot be read.", {"csv": [UNREADABLE_LINE.format(line=1)]}) from None
    mapping = column_map(header, columns)
    if not any(field in mapping for field in needed):
        # a list, not "a or b": the words between the names would stay in English in every language
        names = ", ".join(f"'{field}'" for field in needed)
        raise ValidationFailed(
            "The CSV needs one of these columns: {names}.",
            {"csv": [N_("line 1: the header must name one of these columns: {names}.").format(names=names)]},
            names=names,
        )
    records, errors = [], {}
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            cells = {
                field: record[index].strip() if index < len(record) else ""
                for field, index in mapping.items()
            }
            try:
                records.append(read_line(cells, reader.line_num))
            except LineInvalid as invalid:
                errors[f"line {reader.line_num}"] = invalid.problems
    except csv.Error:
        errors[f"line {reader.line_num}"] = [UNREADABLE_LINE.format(line=reader.line_num)]
    return records, errors
