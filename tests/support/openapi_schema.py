"""An OpenAPI 3.0 document's schemas read as JSON Schema, the way a client or a test generator reads them."""

from jsonschema import Draft7Validator


def as_json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema's null type."""
    if isinstance(node, dict):
        node = {key: as_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [as_json_schema(value) for value in node]
    return node


def validator(schema, doc):
    """A validator of ``schema`` (formats checked) in which the document's components can be referred to."""
    root = {**as_json_schema(schema), "components": as_json_schema(doc["components"])}
    return Draft7Validator(root, format_checker=Draft7Validator.FORMAT_CHECKER)
