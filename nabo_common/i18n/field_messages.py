"""Per-field error messages in the reader's language, each with a stable code.

A field message crosses RPC as English text: marshmallow formats its messages (``Length must be between
1 and 200.``) before anyone can keep their id, so a message is found in the catalogue as it is, or by
the message id it was formatted from, whose ``{name}`` places are read back out of the text."""
import re
from functools import lru_cache

from babel.messages.pofile import read_po

from nabo_common.i18n.catalogues import N_, SOURCE_LANGUAGE, gettext, po_path

# marshmallow's own messages, so the catalogue holds them, with the codes front ends translate by
CODES = {
    N_("Missing data for required field."): "required",
    N_("Field may not be null."): "null",
    N_("Invalid value."): "invalid",
    N_("Invalid input."): "invalid",
    N_("Invalid input type."): "invalid_type",
    N_("Invalid type."): "invalid_type",
    N_("Unknown field."): "unknown_field",
    N_("Not a valid string."): "invalid_string",
    N_("Not a valid utf-8 string."): "invalid_string",
    N_("Not a valid integer."): "invalid_integer",
    N_("Not a valid number."): "invalid_number",
    N_("Number too large."): "number_too_large",
    N_("Special numeric values (nan or infinity) are not permitted."): "invalid_number",
    N_("Not a valid boolean."): "invalid_boolean",
    N_("Not a valid datetime."): "invalid_datetime",
    N_("Not a valid aware datetime."): "invalid_datetime",
    N_("Not a valid naive datetime."): "invalid_datetime",
    N_("Not a valid date."): "invalid_date",
    N_("Not a valid time."): "invalid_time",
    N_("Not a valid period of time."): "invalid_duration",
    N_("Not a valid mapping type."): "invalid_mapping",
    N_("Not a valid list."): "invalid_list",
    N_("Not a valid tuple."): "invalid_list",
    N_("Not a valid UUID."): "invalid_uuid",
    N_("Not a valid URL."): "invalid_url",
    N_("Not a valid email address."): "invalid_email",
    N_("Not a valid IP address."): "invalid_ip",
    N_("String does not match expected pattern."): "invalid_pattern",
    N_("Must be one of: {choices}."): "invalid_choice",
    N_("One or more of the choices you made was not in: {choices}."): "invalid_choice",
    N_("Shorter than minimum length {min}."): "too_short",
    N_("Longer than maximum length {max}."): "too_long",
    N_("Length must be between {min} and {max}."): "invalid_length",
    N_("Length must be {equal}."): "invalid_length",
    N_("Must be greater than or equal to {min} and less than or equal to {max}."): "out_of_range",
    N_("Must be greater than or equal to {min}."): "too_small",
    N_("Must be less than or equal to {max}."): "too_large",
    N_("Must be greater than {min}."): "too_small",
    N_("Must be less than {max}."): "too_large",
    N_("Must be equal to {other}."): "invalid",
    N_("NUL characters are not allowed."): "nul_character",
    N_("Text must be valid Unicode (no unpaired surrogates)."): "unpaired_surrogate",
    N_("Expected a JSON object."): "invalid_type",
}
FALLBACK_CODE = "invalid"
PLACE_RE = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=1)
def _source_ids():
    with po_path(SOURCE_LANGUAGE).open("rb") as handle:
        return frozenset(m.id for m in read_po(handle) if isinstance(m.id, str) and m.id)


@lru_cache(maxsize=1)
def _templates():
    """Every catalogue message with places, as a pattern that reads the places back; the most specific
    (longest without its places) first, so a short one never takes a text a longer one fits."""
    patterns = []
    for message_id in sorted((i for i in _source_ids() if PLACE_RE.search(i)),
                             key=lambda i: (-len(PLACE_RE.sub("", i)), i)):
        parts, seen, position = [], set(), 0
        for place in PLACE_RE.finditer(message_id):
            parts.append(re.escape(message_id[position:place.start()]))
            name = place.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            position = place.end()
        parts.append(re.escape(message_id[position:]))
        patterns.append((message_id, re.compile("".join(parts), re.DOTALL)))
    return patterns


def message_id_of(text):
    """The catalogue message ``text`` is, or was formatted from, and its values; else the text itself."""
    if text in _source_ids():
        return text, {}
    for message_id, pattern in _templates():
        found = pattern.fullmatch(text)
        if found:
            return message_id, found.groupdict()
    return text, {}


def translated(language, text):
    """(code, message in ``language``) of one field message."""
    if not isinstance(text, str):
        return FALLBACK_CODE, str(text)
    message_id, params = message_id_of(text)
    return CODES.get(message_id, FALLBACK_CODE), gettext(language, message_id, **params)


def field_errors(errors, language, path=()):
    """(the ``errors`` map with each message translated, a flat list of {field, code, message})."""
    if isinstance(errors, str):
        code, message = translated(language, errors)
        return message, [{"field": ".".join(path) or "_schema", "code": code, "message": message}]
    if isinstance(errors, (list, tuple)):
        shaped, flat = [], []
        for item in errors:
            one, found = field_errors(item, language, path)
            shaped.append(one)
            flat.extend(found)
        return shaped, flat
    if isinstance(errors, dict):
        shaped, flat = {}, []
        for key, inner in errors.items():
            one, found = field_errors(inner, language, (*path, str(key)))
            shaped[key] = one
            flat.extend(found)
        return shaped, flat
    return errors, []
