"""Every operation of the OpenAPI document has a success-path test: an end-to-end or security test
marked with ``covers`` (tests/support/covers.py) for it. The marks are read from the test modules'
source, so the check holds whichever tests are run."""
import ast
from pathlib import Path

import gateway.service  # noqa: F401  (declares every route)
from gateway import openapi

TESTS = Path(__file__).resolve().parents[2]
MARKED_TIERS = ("e2e", "security")
METHODS = ("get", "put", "post", "patch", "delete")


def documented_operations():
    paths = openapi.build()["paths"]
    return {f"{verb.upper()} {path}" for path, item in paths.items() for verb in item if verb in METHODS}


def _covers_calls(function):
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "covers":
            yield decorator


def marks():
    """(operation, where) of every ``covers`` mark on a test function of the marked tiers."""
    found = []
    for tier in MARKED_TIERS:
        for module in sorted((TESTS / tier).rglob("test_*.py")):
            for node in ast.walk(ast.parse(module.read_text(), str(module))):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                where = f"{module.relative_to(TESTS.parent)}::{node.name}"
                for call in _covers_calls(node):
                    assert node.name.startswith("test_"), f"{where}: only tests can cover an operation"
                    for argument in call.args:
                        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), (
                            f"{where}: name operations as literal strings, 'METHOD /path'"
                        )
                        found.append((argument.value, where))
    return found


def test_every_documented_operation_has_a_success_path_test():
    covered = {operation for operation, _ in marks()}
    missing = sorted(documented_operations() - covered)
    assert not missing, "operations without a success-path test marked @covers:\n  " + "\n  ".join(missing)


def test_every_mark_names_a_documented_operation():
    documented = documented_operations()
    unknown = sorted(f"{where}: {operation}" for operation, where in marks() if operation not in documented)
    assert not unknown, "marks naming no operation of the document:\n  " + "\n  ".join(unknown)


def test_marks_are_found_in_the_test_modules():
    assert len(marks()) > len(documented_operations()) / 2  # the scan reads the tiers, not an empty folder
