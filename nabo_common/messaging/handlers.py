"""A service's event handlers, from the one mapping that says what it consumes.

Each service lists its subscriptions in ``services/<svc>/subscriptions.py``: handler name -> the event
types it consumes. From that mapping

- ``consumer_decorator(SUBSCRIPTIONS, ProcessedEvent)`` gives the decorator for the handlers in the
  service's service.py: each becomes an event consumer (``consumer.EventConsumer``) of its types, on the
  queue ``nabo.<service>.<handler>``, and runs in one transaction of the worker's ``db`` session that
  first records the event's id for the consumer ``<service>.<handler>`` (``processed.ProcessedEvents``),
  so that a redelivered event is acked without being applied twice. ``@consumer(alone=method)`` first
  offers each event to ``method(service, event, processed)`` (``processed``: the event's ``ProcessedRow``),
  which may apply it in one statement committed alone, with that row in the statement; where it returns
  False the event is applied in the transaction as above;
- ``queue_bindings(service, SUBSCRIPTIONS)`` gives each of the service's queues with its event types,
  which the composition root hands to ``topology`` so that the queues exist before anything publishes.
"""
import functools

from nabo_common.messaging import envelopes, topology
from nabo_common.messaging.consumer import EventConsumer
from nabo_common.messaging.outbox import utcnow
from nabo_common.messaging.processed import ProcessedEvents, ProcessedRow


def consumer_decorator(subscriptions, processed_model, session="db"):
    """The decorator for the handlers named in ``subscriptions``; ``session``: the service's attribute
    holding the worker's Session, in which the handler's writes and the event's id commit together."""
    processed = ProcessedEvents(processed_model)

    def consumer(handler=None, *, alone=None):
        if handler is None:
            return functools.partial(consumer, alone=alone)
        name = handler.__name__
        if name not in subscriptions:
            raise ValueError(f"{name} is not in the service's subscriptions; add it with its event types")

        @functools.wraps(handler)
        def once(service, event):
            consumer_name = f"{service.name}.{name}"
            if alone is not None and alone(service, event, ProcessedRow(consumer_name, event["id"],
                                                                        utcnow())):
                return
            worker_session = getattr(service, session)
            with worker_session.begin():
                if processed.first_time(worker_session, consumer_name, event["id"]):
                    handler(service, event)

        return EventConsumer.decorator(*subscriptions[name])(once)

    return consumer


def queue_bindings(service, subscriptions):
    """Queue name -> event types, for each handler of ``service``; every type must be a registered contract
    (import the contracts first), so that a misspelt type fails here instead of never arriving."""
    bindings = {}
    for handler, event_types in subscriptions.items():
        for event_type in event_types:
            envelopes.get_type(event_type)  # raises UnknownEventType
        bindings[topology.consumer_queue(service, handler)] = frozenset(event_types)
    return bindings
