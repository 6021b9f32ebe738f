"""A request's path ids, query string and JSON body, checked against its
route's declaration and marshmallow schemas: every path parameter is an id
(a UUID), JSON types are kept (no "5" for an integer), NUL and unpaired
surrogates are refused, and a body must be a JSON object sent as JSON."""
import json
import re

from marshmallow import ValidationError
from marshmallow import fields as ma_fields

from nabo_common.api import loading, validation
from nabo_common.api.errors import BadInput, NaboError, NotFound, ValidationFailed
from nabo_common.i18n.catalogues import N_

# the canonical text form of a UUID, the only form ids take
ID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class UnsupportedMediaType(NaboError):
    status = 415
    title = N_("Unsupported media type")

    def __init__(self):
        super().__init__(N_("Send the body as application/json."))


def check_path_ids(path_values):
    """Every path parameter names a resource by its id: anything else names no resource (404) and goes no
    further, so no header, log line or service call ever sees it."""
    if any(not ID_RE.match(value) for value in path_values.values()):
        raise NotFound("No resource has this id: ids are UUIDs.")


def _query_dict(request, schema_cls):
    """Query args as a dict; list-typed fields take every repeated value."""
    data = {}
    declared = schema_cls._declared_fields if schema_cls else {}
    for key in request.args.keys():
        values = request.args.getlist(key)
        if isinstance(declared.get(key), ma_fields.List):
            data[key] = values
        else:
            data[key] = values[-1]
    return data


INVALID_FIELDS = {"body": N_("The body has invalid fields."),
                  "query string": N_("The query string has invalid fields.")}


def _load(schema_cls, data, what):
    try:
        loading.load(validation.schema(schema_cls), data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(INVALID_FIELDS[what], messages) from None


def _type_error(field, value):
    """JSON bodies are typed: marshmallow alone would take "5" or 5.0 for an integer and 0 or "yes" for a
    boolean."""
    if value is None:
        return None
    if isinstance(field, ma_fields.Boolean) and not isinstance(value, bool):
        return "Not a valid boolean."
    if isinstance(field, ma_fields.Integer) and (isinstance(value, bool) or not isinstance(value, int)):
        return "Not a valid integer."
    if isinstance(field, ma_fields.Number) and (isinstance(value, bool)
                                                or not isinstance(value, (int, float))):
        return "Not a valid number."
    if isinstance(field, ma_fields.Nested) and isinstance(value, (dict, list)):
        schema = field.schema
        items = value if isinstance(value, list) else [value]
        nested = {}
        for index, item in enumerate(items):
            if isinstance(item, dict):
                inner = json_type_errors(schema, item)
                if inner:
                    nested[index] = inner
        if nested:
            return nested if isinstance(value, list) else nested[0]
    if isinstance(field, ma_fields.List) and isinstance(value, list):
        inner = {i: [e] for i, e in ((i, _type_error(field.inner, v)) for i, v in enumerate(value)) if e}
        return inner or None
    return None


NUL_MESSAGE = N_("NUL characters are not allowed.")
SURROGATE_MESSAGE = N_("Text must be valid Unicode (no unpaired surrogates).")
# json.loads joins a pair of surrogate escapes into one character, so any left is unpaired
SURROGATE_RE = re.compile("[\\ud800-\\udfff]")


def _text_error(text):
    if "\x00" in text:
        return NUL_MESSAGE
    if SURROGATE_RE.search(text):
        return SURROGATE_MESSAGE
    return None


def nul_errors(value, where=None):
    """Text no service can keep: NUL (PostgreSQL refuses it in strings) and unpaired surrogates (no UTF-8
    can hold them; JSON's escapes can send them) are a 422 here rather than a 500, or a half-done write,
    further on."""
    errors = {}
    if isinstance(value, dict):
        for key, inner in value.items():
            name = key if where is None else where
            key_error = _text_error(str(key))
            errors.update(nul_errors(inner, name) or ({name: [key_error]} if key_error else {}))
    elif isinstance(value, list):
        for inner in value:
            errors.update(nul_errors(inner, where))
    elif isinstance(value, str):
        error = _text_error(value)
        if error:
            errors[where or "_schema"] = [error]
    return errors


def json_type_errors(schema, payload):
    errors = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in payload:
            error = _type_error(field, payload[key])
            if error:
                errors[key] = error if isinstance(error, dict) else [error]
    return errors


def parse_query(request, schema_cls):
    query = _query_dict(request, schema_cls)
    if nul_errors(query):
        raise ValidationFailed("The query string has invalid fields.", nul_errors(query))
    _load(schema_cls, query, "query string")
    return query


# deeper than any body the API takes: a body nested deeper would exhaust the recursion of whatever walks it
MAX_JSON_DEPTH = 64


class NestedTooDeeply(ValueError):
    pass


# how much of a repeated key a refusal shows
SHOWN_KEY_CHARS = 100


class DuplicateKey(ValueError):
    """An object of the JSON names ``key`` more than once: RFC 8259 leaves which one counts to the reader,
    and a client meaning the first would be answered as if it had sent the last."""

    def __init__(self, key):
        super().__init__(key)
        self.key = key if len(key) <= SHOWN_KEY_CHARS else key[:SHOWN_KEY_CHARS] + "…"


def _object(pairs):
    """A JSON object as a dict, refused when a key repeats (json.loads alone keeps the last)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen = set()
        raise DuplicateKey(next(key for key, _value in pairs if key in seen or seen.add(key)))
    return value


# made once: json.loads given a hook builds a decoder and its scanner on every call
_DECODER = json.JSONDecoder(object_pairs_hook=_object)


def _decoded(raw):
    """What json.loads(raw) reads, through _DECODER: bytes in the encoding their first bytes show, text
    without a byte order mark."""
    if isinstance(raw, (bytes, bytearray)):
        raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
    elif raw.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM", raw, 0)
    return _DECODER.decode(raw)


def _deeper_than(value, limit):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def client_json(raw):
    """The client's JSON; ValueError when it does not parse, NestedTooDeeply (a ValueError) when it nests
    deeper than MAX_JSON_DEPTH, DuplicateKey (a ValueError) when an object names a key twice."""
    try:
        value = _decoded(raw)
    except RecursionError:
        raise NestedTooDeeply() from None
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise NestedTooDeeply()
    return value


DUPLICATE_KEY = N_("The body names the key \"{key}\" more than once in one object; name each key once.")


def parse_body(request, schema_cls):
    content_type = (request.mimetype or "").lower()
    raw = request.get_data(cache=True)
    if not raw:
        payload = {}
    else:
        if (content_type not in ("application/json", "application/merge-patch+json")
                and not content_type.endswith("+json")):
            raise UnsupportedMediaType()
        try:
            payload = client_json(raw)
        except NestedTooDeeply:
            raise BadInput("The body nests deeper than {depth} levels.", depth=MAX_JSON_DEPTH) from None
        except DuplicateKey as exc:
            raise BadInput(DUPLICATE_KEY, key=exc.key) from None
        except (ValueError, UnicodeDecodeError):
            raise BadInput("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ValidationFailed("The body must be a JSON object.", {"_schema": ["Expected a JSON object."]})
    errors = nul_errors(payload) or json_type_errors(validation.schema(schema_cls), payload)
    if errors:
        # report the other fields' problems too, as a plain validation would
        try:
            validation.schema(schema_cls).load(payload)
        except ValidationError as exc:
            if isinstance(exc.messages, dict):
                errors = {**exc.messages, **errors}
        raise ValidationFailed("The body has invalid fields.", errors)
    _load(schema_cls, payload, "body")
    return payload


def csv_import_payload(request):
    """A CSV table sent as text/csv, or as JSON {"csv": "..."}; NUL in it is a 422, as in any JSON text."""
    raw = request.get_data(cache=True)
    if request.mimetype == "text/csv":
        try:
            payload = {"csv": raw.decode("utf-8-sig")}
        except UnicodeDecodeError:
            raise BadInput("The CSV must be UTF-8 text.") from None
    elif not raw:
        return {}
    else:
        try:
            payload = client_json(raw)
        except DuplicateKey as exc:
            raise BadInput(DUPLICATE_KEY, key=exc.key) from None
        except (ValueError, UnicodeDecodeError):
            raise BadInput("Send text/csv, or JSON of the form {\"csv\": \"...\"}.") from None
    errors = nul_errors(payload)
    if errors:
        raise ValidationFailed("The body has invalid fields.", errors)
    return payload
