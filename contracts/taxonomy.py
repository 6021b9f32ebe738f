"""The ids of the seeded theme taxonomy, which every installation shares: a seeded theme's id is
derived from its key (uuid5 over THEME_NAMESPACE), so clients, tests and the API document may name it
by id without asking. The members service seeds the themes (``services/members/taxonomy.py``)."""
import uuid

THEME_NAMESPACE = uuid.UUID("6b1d2a52-4d0e-4c59-9a55-0d3c1f6e9b10")


def seed_id(key):
    """The id of the seeded theme ``key``."""
    return str(uuid.uuid5(THEME_NAMESPACE, key))


# the seeded themes the API document's examples name (tests/unit/gateway/test_openapi_examples.py checks
# that they are seeded and top-level)
EXAMPLE_THEME_KEYS = ("energy-transition", "financing")
EXAMPLE_THEME_ID = seed_id(EXAMPLE_THEME_KEYS[0])
EXAMPLE_THEME_IDS = [seed_id(key) for key in EXAMPLE_THEME_KEYS]
