"""A client generated from the live /v1/openapi.json by a standard generator
(openapi-python-client, pinned in requirements-dev.txt) builds, imports and
works: an organiser registers a guest for an event with it and reads the
registration back."""
import importlib
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.e2e.events.test_events_api import published_event, when


@pytest.fixture(scope="module")
def client_package(api, tmp_path_factory):
    exe = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent)) or shutil.which(
        "openapi-python-client"
    )
    assert exe, "openapi-python-client is not installed (requirements-dev.txt)"
    folder = tmp_path_factory.mktemp("typed-client")
    document = folder / "openapi.json"
    document.write_text(json.dumps(api.get("/v1/openapi.json").json()))
    package = f"nabo_client_{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        [exe, "generate", "--path", str(document), "--meta", "none", "--output-path", str(folder / package)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0 and "Unable to" not in result.stdout, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield package
    finally:
        sys.path.remove(str(folder))


def test_a_generated_client_registers_a_guest_and_reads_the_registration_back(api, tenant_a, client_package):
    client_module = importlib.import_module(f"{client_package}.client")
    register = importlib.import_module(f"{client_package}.api.registrations.register")
    get_registration = importlib.import_module(f"{client_package}.api.registrations.get_registration")
    models = importlib.import_module(f"{client_package}.models")
    event = published_event(tenant_a.admin, "Typed client meeting", when(days=20))
    organiser = client_module.AuthenticatedClient(base_url=api.base_url, token=tenant_a.admin.token)
    email = f"guest-{uuid.uuid4().hex[:6]}@example.dk"

    made = register.sync_detailed(
        uuid.UUID(event["id"]),
        client=organiser,
        body=models.RegistrationCreate(person_id=None, name="Grete Gæst", email=email),
    )
    assert made.status_code == 201, made.content
    assert isinstance(made.parsed, models.Registration)

    read = get_registration.sync(uuid.UUID(made.parsed.id), client=organiser)
    assert isinstance(read, models.Registration)
    assert (read.id, read.event_id, read.name, read.email, read.status, read.person_id) == (
        made.parsed.id, event["id"], "Grete Gæst", email, "confirmed", None
    )
