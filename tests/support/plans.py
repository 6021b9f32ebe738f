"""What PostgreSQL did for a statement: its plan run with EXPLAIN (ANALYZE, BUFFERS)."""
import json


def explained(connection, statement, values):
    """The top node of the plan of ``statement`` (a Core statement, run, with ``values`` for its
    parameters) as PostgreSQL ran it on ``connection``: node types, rows, buffers read."""
    compiled = statement.compile(dialect=connection.dialect)
    (plan,) = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}",
                                         compiled.construct_params(values)).one()
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]


def buffers(node):
    return node["Shared Hit Blocks"] + node.get("Shared Read Blocks", 0)


def nodes(node):
    """The node and every node under it."""
    yield node
    for child in node.get("Plans", ()):
        yield from nodes(child)
