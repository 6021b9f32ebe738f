"""Command line for operating nabo components.

    python -m nabo_common.cli serve members|events|notifications|ideas|gateway
    python -m nabo_common.cli migrate members|events|notifications|ideas|all
    python -m nabo_common.cli deadletters list | show QUEUE | replay QUEUE [--limit N]
    python -m nabo_common.cli check-broker
"""
import argparse
import importlib
import json
import sys
import warnings

# Dependencies' deprecation notices speak to their maintainers, not to whoever runs nabo; set before
# anything imports eventlet or dnspython, which warn at import (docs/architecture.md says why eventlet stays).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"dns\.")

SERVICE_CLASSES = {
    "members": "services.members.service:MembersService",
    "events": "services.events.service:EventsService",
    "notifications": "services.notifications.service:NotificationsService",
    "ideas": "services.ideas.service:IdeasService",
    "gateway": "gateway.service:Gateway",
}

BROKER_HELP = (
    "no RabbitMQ broker reachable at {uri} ({error}). Start one: on this machine "
    "`rabbitmq-server -detached`; with Docker `docker compose -f deploy/local/compose.yaml up -d rabbitmq`; "
    "or set AMQP_URI."
)


def load_service_class(component):
    module_name, _, class_name = SERVICE_CLASSES[component].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def consumer_bindings():
    """Every consumer queue of every service with its event types, from each service's own
    ``services/<svc>/subscriptions.py``; loads every event contract on the way."""
    import contracts.events  # noqa: F401  (every event type, for building and parsing in any process)
    from nabo_common.messaging.handlers import queue_bindings
    from nabo_common.runtime.settings import SERVICES

    bindings = {}
    for service in SERVICES:
        subscriptions = importlib.import_module(f"services.{service}.subscriptions").SUBSCRIPTIONS
        bindings.update(queue_bindings(service, subscriptions))
    return bindings


def declare_consumers():
    """Hand every consumer queue to the topology of this process: its relays declare them all before they
    first publish, so an event published before its consumer first started waits in the consumer's queue."""
    from nabo_common.messaging import topology

    topology.register_consumers(consumer_bindings())


def _settings(component):
    from nabo_common.runtime import settings

    try:
        return settings.load(component)
    except settings.ConfigError as exc:
        sys.exit(f"nabo: configuration error: {exc}")


def check_broker(uri):
    from nabo_common.operations import broker_reachable

    ok, error = broker_reachable(uri, timeout=3)
    if not ok:
        sys.exit("nabo: " + BROKER_HELP.format(uri=_mask(uri), error=error))


def _mask(uri):
    from nabo_common.runtime.masking import masked_amqp_uri

    return masked_amqp_uri(uri)


def serve(component):
    from nabo_common.runtime import gc_tuning, logs, patch

    patch.apply()
    settings = _settings(component)
    logs.configure(settings.log_format, settings.log_level)
    check_broker(settings.amqp_uri)
    from nameko.cli import run as nameko_run

    from nabo_common.runtime.runner import StopOnceRunner

    nameko_run.ServiceRunner = StopOnceRunner
    declare_consumers()
    service_class = load_service_class(component)
    gc_tuning.tune(settings.gc_threshold)  # after the imports, so that what they made is frozen
    nameko_run.run([service_class], settings.nameko_config())


def migrate(service):
    from nabo_common.persistence import migrations

    names = [s for s in SERVICE_CLASSES if s != "gateway"] if service == "all" else [service]
    for name in names:
        migrations.upgrade(name, _settings(name).database_url)
        print(f"nabo: {name} database is at the latest migration")


def deadletters(args):
    from nabo_common.messaging import deadletters as dl

    uri = _settings("gateway").amqp_uri
    check_broker(uri)
    declare_consumers()  # their dead-letter queues are the ones listed
    if args.action == "list":
        for queue, count in dl.list_dead(uri).items():
            print(f"{queue}\t{'not declared' if count is None else count}")
    elif args.action == "show":
        print(json.dumps(dl.show(uri, args.queue, limit=args.limit or 20), indent=2, default=str))
    elif args.action == "replay":
        print(f"replayed {dl.replay(uri, args.queue, limit=args.limit)} message(s) from {args.queue}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nabo_common.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run one component")
    p.add_argument("component", choices=sorted(SERVICE_CLASSES))
    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("service", choices=sorted([s for s in SERVICE_CLASSES if s != "gateway"]) + ["all"])
    p = sub.add_parser("deadletters", help="list, inspect or replay dead letters")
    p.add_argument("action", choices=["list", "show", "replay"])
    p.add_argument("queue", nargs="?")
    p.add_argument("--limit", type=int)
    sub.add_parser("check-broker", help="exit non-zero with one clear line if RabbitMQ is unreachable")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.component)
    elif args.command == "migrate":
        migrate(args.service)
    elif args.command == "deadletters":
        if args.action != "list" and not args.queue:
            parser.error(f"deadletters {args.action} needs a queue name")
        deadletters(args)
    elif args.command == "check-broker":
        check_broker(_settings("gateway").amqp_uri)
        print("nabo: broker reachable")


if __name__ == "__main__":
    main()
