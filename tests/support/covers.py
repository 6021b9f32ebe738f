"""Marks an end-to-end or security test as the success path of API operations.

A test marked ``@covers("PATCH /v1/events/{id}")`` makes that call as the role the operation is for,
gets a 2xx answer and checks its content (the fields it set, the state a read shows afterwards).
tests/unit/gateway/test_success_paths_covered.py reads these marks from the source, so a test of the
unit tier can hold every operation of the OpenAPI document to one."""


def covers(*operations):
    def mark(test):
        test.covers = getattr(test, "covers", ()) + operations
        return test

    return mark
