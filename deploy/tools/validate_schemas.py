#!/usr/bin/env python3
"""Validate rendered Kubernetes manifests against the Kubernetes JSON schemas.

Usage: validate_schemas.py [-k 1.30 -k 1.37] RENDERED.yaml [...]

The schemas come from the `kubernetes-validate` package, which bundles them
for every supported Kubernetes release, so this works offline. Validation is
strict: unknown fields are errors, so a misspelt key fails instead of being
silently dropped by the API server.

Custom resources (kinds defined by the operators' CRDs) have no schema in that
package. They are listed in CRD_KINDS below, checked only for the basics
(apiVersion, kind, metadata.name, namespace, a spec) and reported as skipped;
the pod template a RabbitmqCluster overrides (spec.override.statefulSet) is
validated strictly all the same, as a PodTemplate, since the operator merges it
into the StatefulSet it generates.
Any other kind without a schema is an error, so a typo in apiVersion or kind
cannot slip through as "unknown".
"""
import argparse
import sys

import kubernetes_validate.utils as kv
import yaml

# apiVersion, kind: the custom resources this deployment uses, and who defines them.
CRD_KINDS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "RabbitMQ Cluster Operator",
    ("rabbitmq.com/v1beta1", "Vhost"): "RabbitMQ Messaging Topology Operator",
    ("rabbitmq.com/v1beta1", "User"): "RabbitMQ Messaging Topology Operator",
    ("rabbitmq.com/v1beta1", "Permission"): "RabbitMQ Messaging Topology Operator",
    ("postgresql.cnpg.io/v1", "Cluster"): "CloudNativePG",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "Prometheus Operator",
}

CLUSTER_SCOPED = {"Namespace"}


def name_of(doc):
    return "%s/%s" % (doc.get("kind", "?"), (doc.get("metadata") or {}).get("name", "?"))


def check_basics(doc):
    errors = []
    meta = doc.get("metadata") or {}
    if not meta.get("name"):
        errors.append("metadata.name is missing")
    if doc.get("kind") not in CLUSTER_SCOPED and not meta.get("namespace"):
        errors.append("metadata.namespace is missing (overlays must set it)")
    return errors


def embedded_pod_templates(doc):
    """The pod templates a custom resource carries, as PodTemplate documents to validate."""
    if (doc.get("apiVersion"), doc.get("kind")) != ("rabbitmq.com/v1beta1", "RabbitmqCluster"):
        return []
    spec = (doc.get("spec") or {}).get("override", {}).get("statefulSet", {}).get("spec") or {}
    if "template" not in spec:
        return []
    meta = doc.get("metadata") or {}
    return [{"apiVersion": "v1", "kind": "PodTemplate",
             "metadata": {"name": meta.get("name", "?"), "namespace": meta.get("namespace", "?")},
             "template": spec["template"]}]


def validate(doc, versions, where_prefix=""):
    errors = []
    for version in versions:
        try:
            kv.validate(doc, version, strict=True)
        except kv.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path) or "(root)"
            errors.append("k8s %s: %s%s: %s" % (version, where_prefix, where, exc.message))
        except kv.SchemaNotFoundError as exc:
            errors.append("no schema: %s (not a known Kubernetes kind and not "
                          "listed in CRD_KINDS)" % exc.message)
            break
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--kubernetes-version", action="append", dest="versions")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    versions = args.versions or ["1.30.0", kv.latest_version()]

    failures = 0
    for path in args.files:
        with open(path) as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d]
        checked, skipped = 0, {}
        for doc in docs:
            label = name_of(doc)
            errors = check_basics(doc)
            key = (doc.get("apiVersion"), doc.get("kind"))
            if key in CRD_KINDS:
                if not isinstance(doc.get("spec"), dict):
                    errors.append("custom resource without a spec")
                skipped["%s %s" % key] = skipped.get("%s %s" % key, 0) + 1
                for template in embedded_pod_templates(doc):
                    errors += validate(template, versions, "spec.override.statefulSet.spec.")
            else:
                errors += validate(doc, versions)
                checked += 1
            for err in errors:
                print("ERROR %s %s: %s" % (path, label, err))
            failures += len(errors)
        print("%s: %d resources validated against Kubernetes %s (strict), %d custom resources "
              "checked for basics only: %s" % (
                  path, checked, ", ".join(versions), sum(skipped.values()),
                  ", ".join("%s x%d" % item for item in sorted(skipped.items())) or "none"))
    if failures:
        print("schema validation: %d error(s)" % failures)
        return 1
    print("schema validation: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
