from nabo_common.api.errors import NotFound
from nabo_common.messaging import outbox
from nabo_common.persistence.idempotency import IdempotentCalls
from services.members.models import IdempotentCall, OutboxEvent

# a write retried with the same Idempotency-Key returns its first result (creations)
idempotent_calls = IdempotentCalls(IdempotentCall)


def publish(session, event_type, data, caller=None, association_id=None):
    return outbox.record(session, OutboxEvent, event_type, data, caller=caller, association_id=association_id)


def get_or_404(session, model, id_, what):
    obj = session.get(model, str(id_)) if id_ else None
    if obj is None:
        raise NotFound("{what} {id} not found.", what=what, id=id_)
    return obj
