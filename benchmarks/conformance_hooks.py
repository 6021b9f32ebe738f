"""schemathesis hooks for benchmarks/api_conformance.py: a check that fails nothing and appends every
answer's operation and status, one JSON line each, to the file named by NABO_CONFORMANCE_LOG."""
import json
import os

import schemathesis


@schemathesis.check
def record_answer(ctx, response, case):
    with open(os.environ["NABO_CONFORMANCE_LOG"], "a", encoding="utf-8") as log:
        entry = {"operation": case.operation.label, "status": response.status_code}
        if not 200 <= response.status_code < 300:
            entry["body"] = case.body if not callable(getattr(case, "body", None)) else None
            entry["answer"] = response.text[:600]
        log.write(json.dumps(entry, default=str) + "\n")
