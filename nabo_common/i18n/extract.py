"""A Babel extraction method for nabo's Python: besides gettext calls and ``N_`` marks, the messages of
domain errors (``Forbidden("...")`` and the per-field messages in ``ValidationFailed``'s map), the
``error=`` texts of marshmallow validators, ``ValidationError("...")`` and the names handed to the
``*_or_404`` helpers, which those helpers say in their messages. Registered in ``babel.cfg``."""
import ast

MARKS = {"N_", "_", "gettext"}
ERRORS = {"NaboError", "ValidationFailed", "BadInput", "NotAuthenticated", "Forbidden", "NotFound",
          "Conflict", "RateLimited", "ServiceUnavailable", "ServiceTimeout", "ValidationError",
          "InvalidToken", "LineInvalid"}


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _texts(node):
    """String constants in an argument: itself, or the values of its maps and lists."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            yield from _texts(item)
    elif isinstance(node, ast.DictComp):
        yield from _texts(node.value)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        yield from _texts(node.elt)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)


def _messages(call):
    name = _name(call.func)
    if name in MARKS and call.args:
        yield from _texts(call.args[0])
    elif name == "ngettext" and len(call.args) >= 2:
        texts = [next(_texts(argument), None) for argument in call.args[:2]]
        if None not in texts:
            yield tuple(texts)
    elif name in ERRORS:
        # ValidationError's second argument is a field's name
        for argument in call.args[:1 if name == "ValidationError" else 2]:
            yield from _texts(argument)
    elif name.endswith("_or_404") or name == "calendar_id":
        # the name of what was not found, such as "Theme"; never a field's name
        for argument in call.args:
            yield from (text for text in _texts(argument) if text.value[:1].isupper())
    for keyword in call.keywords:
        if keyword.arg in ("error", "error_messages"):
            yield from _texts(keyword.value)


def extract_python(fileobj, keywords, comment_tags, options):
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for found in _messages(node):
            if isinstance(found, tuple):
                singular, plural = found
                yield singular.lineno, "ngettext", (singular.value, plural.value), []
            elif found.value.strip() and not found.value.startswith("_"):
                yield found.lineno, "gettext", found.value, []
