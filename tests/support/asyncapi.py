"""Checking messages against the AsyncAPI document's schemas (jsonschema), as an integrator would."""
from jsonschema import Draft7Validator


def validator(doc, pointer):
    """A validator for the schema at ``pointer`` of ``doc`` (its ``$ref``s resolved within ``doc``)."""
    return Draft7Validator({"$ref": pointer, "components": doc["components"]},
                           format_checker=Draft7Validator.FORMAT_CHECKER)


def problems(doc, message_key, payload, headers):
    """Every way ``payload`` and ``headers`` differ from the document's message ``message_key``."""
    base = f"#/components/messages/{message_key}"
    found = [f"payload: {e.message} at {list(e.absolute_path)}"
             for e in validator(doc, base + "/payload").iter_errors(payload)]
    found += [f"headers: {e.message} at {list(e.absolute_path)}"
              for e in validator(doc, base + "/headers").iter_errors(headers)]
    return found
