import pytest

from tests.e2e.session_mail import SINK


@pytest.fixture(scope="session", autouse=True)
def every_mail_parses_without_defects():
    """Every message the end-to-end tests sent, read as a mail client reads it, has no defect."""
    yield
    assert SINK.defects() == [], f"mail that Python's parser finds defects in: {SINK.defects()}"
