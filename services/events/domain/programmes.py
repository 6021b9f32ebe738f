"""Programmes: funded series of events with a granted budget and cost lines."""
from sqlalchemy import select

from contracts.api import events as schemas
from nabo_common.api.errors import ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from services.events.domain import access, co_hosts
from services.events.domain.common import idempotent_calls, publish
from services.events.models import Programme, ProgrammeCost, ProgrammeHost


def budget(programme):
    used = sum(c.amount_minor for c in programme.costs)
    return {"currency": programme.currency, "granted_minor": programme.budget_amount_minor,
            "used_minor": used, "remaining_minor": programme.budget_amount_minor - used}


def view(programme):
    data = dump(schemas.Programme, programme)
    data["budget"] = budget(programme)
    return data


def _event_data(programme, changed=()):
    return {
        "programme_id": programme.id,
        "association_ids": programme.association_ids,
        "title": programme.title,
        "period_start": programme.period_start.isoformat(),
        "period_end": programme.period_end.isoformat(),
        "planned_events": programme.planned_events,
        "budget_amount_minor": programme.budget_amount_minor,
        "currency": programme.currency,
        "changed": sorted(changed),
    }


def create(session, caller, payload, call_key=None):
    """A retry with the same ``call_key`` (the request's Idempotency-Key) returns the first programme."""
    data = load(schemas.ProgrammeCreate, payload)
    hosts, invited = co_hosts.organisers(caller, data.pop("association_ids", None))

    def write():
        programme = Programme(**data)
        programme.hosts = [ProgrammeHost(association_id=a) for a in hosts]
        session.add(programme)
        session.flush()
        publish(session, "programme.created", _event_data(programme), caller, hosts[0])
        co_hosts.invite(session, caller, co_hosts.PROGRAMME, programme, invited)
        return view(programme)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_programme", write)


def get(session, caller, programme_id):
    return view(access.programme_or_404(session, caller, programme_id))


def update(session, caller, programme_id, payload):
    data = load(schemas.ProgrammeUpdate, payload)
    with session.begin():
        programme = access.programme_or_404(session, caller, programme_id)
        for key, value in data.items():
            setattr(programme, key, value)
        if programme.period_end < programme.period_start:
            raise ValidationFailed(
                "The period would end before it starts.",
                {"period_end": ["period_end must not be before period_start."]},
            )
        publish(
            session, "programme.updated", _event_data(programme, data), caller, programme.association_ids[0]
        )
    return view(programme)


def search(session, caller, query):
    access.require_authenticated(caller)
    q = load(schemas.ProgrammeQuery, query)
    stmt = select(Programme).where(access.programme_scope_filter(caller))
    if q.get("association_id"):
        stmt = stmt.where(
            Programme.id.in_(
                select(ProgrammeHost.programme_id).where(ProgrammeHost.association_id == q["association_id"])
            )
        )
    rows, total = paginate(
        session, stmt.order_by(Programme.period_start.desc(), Programme.id), q["limit"], q["offset"]
    )
    return page([view(p) for p in rows], total, q["limit"], q["offset"])


def add_cost(session, caller, programme_id, payload, call_key=None):
    data = load(schemas.CostCreate, payload)

    def write():
        programme = access.programme_or_404(session, caller, programme_id)
        cost = ProgrammeCost(**data)
        programme.costs.append(cost)
        session.flush()
        publish(
            session,
            "programme.cost_added",
            {
                "programme_id": programme.id,
                "association_ids": programme.association_ids,
                "cost_id": cost.id,
                "date": cost.date.isoformat(),
                "amount_minor": cost.amount_minor,
                "currency": programme.currency,
            },
            caller,
            programme.association_ids[0],
        )
        return view(programme)

    with session.begin():
        return idempotent_calls.once(session, call_key, "add_programme_cost", write)


def list_costs(session, caller, programme_id):
    programme = access.programme_or_404(session, caller, programme_id)
    return {"items": dump(schemas.Cost, programme.costs, many=True), "budget": budget(programme)}
