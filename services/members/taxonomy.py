"""The seed of the multilingual theme taxonomy, present in every installation.

``seed_themes`` is idempotent: it adds the themes whose key is missing (and
announces each with theme.created through the outbox), so a later revision
can call it again after this list grows. Seeded ids are derived from the key,
so every installation gives a seeded theme the same id.
"""
import sqlalchemy as sa

from contracts.events import networks as _theme_contracts  # noqa: F401  (registers theme.created)
from contracts.taxonomy import THEME_NAMESPACE, seed_id  # noqa: F401  (the ids, shared with clients)
from nabo_common.messaging import envelopes
from nabo_common.messaging.outbox import utcnow

# key, parent key, labels (da, nl, de, sv, en)
THEMES = (
    ("e-commerce", None, ("E-handel", "E-commerce", "E-Commerce", "E-handel", "E-commerce")),
    (
        "energy-transition",
        None,
        ("Energiomstilling", "Energietransitie", "Energiewende", "Energiomställning", "Energy transition"),
    ),
    ("tourism", None, ("Turisme", "Toerisme", "Tourismus", "Turism", "Tourism")),
    ("financing", None, ("Finansiering", "Financiering", "Finanzierung", "Finansiering", "Financing")),
    (
        "skills-development",
        None,
        (
            "Kompetenceudvikling",
            "Competentieontwikkeling",
            "Kompetenzentwicklung",
            "Kompetensutveckling",
            "Skills development",
        ),
    ),
    (
        "digital-transformation",
        None,
        (
            "Digital omstilling",
            "Digitale transformatie",
            "Digitale Transformation",
            "Digital omställning",
            "Digital transformation",
        ),
    ),
    ("hr", None, ("HR og personale", "HR en personeel", "Personalwesen (HR)", "HR och personal", "HR")),
    (
        "green-transition",
        None,
        (
            "Grøn omstilling",
            "Groene transitie",
            "Grüne Transformation",
            "Grön omställning",
            "Green transition",
        ),
    ),
    (
        "green-guidance",
        "green-transition",
        ("Grøn vejledning", "Groene begeleiding", "Grüne Beratung", "Grön vägledning", "Green guidance"),
    ),
    (
        "green-funding",
        "green-transition",
        (
            "Grøn finansiering",
            "Groene financiering",
            "Grüne Finanzierung",
            "Grön finansiering",
            "Green funding",
        ),
    ),
    (
        "green-knowledge-sharing",
        "green-transition",
        (
            "Grøn videndeling",
            "Groene kennisdeling",
            "Grüner Wissensaustausch",
            "Grön kunskapsdelning",
            "Green knowledge sharing",
        ),
    ),
    (
        "green-inclusion",
        "green-transition",
        ("Grøn inklusion", "Groene inclusie", "Grüne Inklusion", "Grön inkludering", "Green inclusion"),
    ),
    (
        "green-infrastructure",
        "green-transition",
        (
            "Grøn infrastruktur",
            "Groene infrastructuur",
            "Grüne Infrastruktur",
            "Grön infrastruktur",
            "Green infrastructure",
        ),
    ),
    (
        "circular-economy",
        None,
        (
            "Cirkulær økonomi",
            "Circulaire economie",
            "Kreislaufwirtschaft",
            "Cirkulär ekonomi",
            "Circular economy",
        ),
    ),
    ("outdoor", None, ("Friluftsliv", "Buitensport", "Outdoor", "Friluftsliv", "Outdoor")),
    ("kayaking", "outdoor", ("Kajak", "Kajakken", "Kajakfahren", "Kajakpaddling", "Kayaking")),
    ("climbing", "outdoor", ("Klatring", "Klimmen", "Klettern", "Klättring", "Climbing")),
    ("fishing", "outdoor", ("Lystfiskeri", "Vissen", "Angeln", "Fiske", "Fishing")),
    (
        "young-entrepreneurs",
        None,
        (
            "Unge iværksættere",
            "Jonge ondernemers",
            "Junge Unternehmer",
            "Unga entreprenörer",
            "Young entrepreneurs",
        ),
    ),
    (
        "start-ups",
        None,
        ("Iværksætteri", "Startende ondernemers", "Existenzgründung", "Nyföretagande", "Start-ups"),
    ),
    (
        "cross-border-trade",
        None,
        (
            "Grænseoverskridende handel",
            "Grensoverschrijdende handel",
            "Grenzüberschreitender Handel",
            "Gränsöverskridande handel",
            "Cross-border trade",
        ),
    ),
    ("logistics", None, ("Logistik", "Logistiek", "Logistik", "Logistik", "Logistics")),
    ("manufacturing", None, ("Produktion", "Maakindustrie", "Produktion", "Tillverkning", "Manufacturing")),
    (
        "food-agriculture",
        None,
        (
            "Fødevarer og landbrug",
            "Voedsel en landbouw",
            "Lebensmittel und Landwirtschaft",
            "Livsmedel och jordbruk",
            "Food and agriculture",
        ),
    ),
    ("marketing", None, ("Markedsføring", "Marketing", "Marketing", "Marknadsföring", "Marketing")),
    ("innovation", None, ("Innovation", "Innovatie", "Innovation", "Innovation", "Innovation")),
    (
        "public-procurement",
        None,
        (
            "Offentlige udbud",
            "Aanbestedingen",
            "Öffentliche Ausschreibungen",
            "Offentlig upphandling",
            "Public procurement",
        ),
    ),
)
LANGUAGES = ("da", "nl", "de", "sv", "en")


_themes = sa.table(
    "themes",
    sa.column("id"),
    sa.column("key"),
    sa.column("parent_id"),
    sa.column("labels", sa.JSON),
    sa.column("created_at"),
    sa.column("updated_at"),
)
_outbox = sa.table(
    "outbox_events",
    sa.column("event_id"),
    sa.column("event_type"),
    sa.column("envelope", sa.JSON),
    sa.column("headers", sa.JSON),
    sa.column("created_at"),
    sa.column("attempts"),
    sa.column("next_attempt_at"),
)


def seed_themes(connection):
    """Insert the seed themes that are missing; returns how many were added."""
    present = set(connection.scalars(sa.select(_themes.c.key)).all())
    now = utcnow()
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    added = 0
    for key, parent, labels in THEMES:  # parents come before their children
        if key in present:
            continue
        data = {
            "theme_id": seed_id(key),
            "key": key,
            "parent_id": seed_id(parent) if parent else None,
            "labels": dict(zip(LANGUAGES, labels)),
        }
        connection.execute(
            _themes.insert().values(
                id=data["theme_id"],
                key=key,
                parent_id=data["parent_id"],
                labels=data["labels"],
                created_at=now,
                updated_at=now,
            )
        )
        envelope = envelopes.build("theme.created", data)
        connection.execute(
            _outbox.insert().values(
                event_id=envelope["id"],
                event_type="theme.created",
                envelope=envelope,
                headers={},
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )
        added += 1
    return added
