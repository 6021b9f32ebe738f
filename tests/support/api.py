"""A small HTTP client for end-to-end tests, and world-building helpers."""
import uuid

import requests

from nabo_common.persistence import db
from services.members.bootstrap import ensure_platform_admin

ADMIN_PASSWORD = "platform-admin-pw-1"


class Api:
    def __init__(self, base_url, token=None):
        self.base_url = base_url
        self.token = token
        self.http = requests.Session()

    def as_(self, token):
        return Api(self.base_url, token)

    def request(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        token = token or self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def sign_in(self, email, password):
        r = self.post("/v1/auth/token", {"email": email, "password": password})
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        return r.json()["access_token"]


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def platform_admin_token(system, api):
    email = f"{unique('admin')}@nabo.test"
    engine = db.make_engine(system.settings["members"].database_url)
    ensure_platform_admin(db.make_sessionmaker(engine), email, ADMIN_PASSWORD)
    engine.dispose()
    return api.sign_in(email, ADMIN_PASSWORD)


def check(response, status):
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return (
        response.json() if response.content and "json" in response.headers.get("content-type", "") else None
    )


class Tenant:
    """An association with an admin and a member person with a member organisation."""

    def __init__(self, api, admin_api, country="NL", language="nl", zone="Europe/Amsterdam"):
        slug = unique("assoc")
        self.association = check(
            admin_api.post(
                "/v1/associations",
                {
                    "name": f"Association {slug}",
                    "slug": slug,
                    "country": country,
                    "default_language": language,
                    "time_zone": zone,
                },
            ),
            201,
        )
        self.id = self.association["id"]
        self.admin_email = f"{unique('staff')}@nabo.test"
        self.admin_password = "association-admin-pw"
        admin = check(
            admin_api.post(
                "/v1/persons",
                {
                    "name": "Staff member",
                    "email": self.admin_email,
                    "language": language,
                    "home_association_id": self.id,
                    "password": self.admin_password,
                },
            ),
            201,
        )
        check(
            admin_api.post(
                f"/v1/persons/{admin['id']}/roles",
                {"scope": "association", "scope_id": self.id, "role": "admin"},
            ),
            200,
        )
        self.admin_person = admin
        self.admin = api.as_(api.sign_in(self.admin_email, self.admin_password))
        self.organisation = check(
            self.admin.post(
                "/v1/organisations",
                {"name": f"Company {slug}", "country": country, "sector": "62.01", "region": "Drenthe"},
            ),
            201,
        )
        self.membership = check(
            self.admin.post(
                "/v1/memberships",
                {"organisation_id": self.organisation["id"], "association_id": self.id, "type": "full"},
            ),
            201,
        )
        check(self.admin.post(f"/v1/memberships/{self.membership['id']}/transitions", {"to": "active"}), 200)
        self.member_email = f"{unique('member')}@nabo.test"
        self.member_password = "member-password-1"
        self.member_person = check(
            self.admin.post(
                "/v1/persons",
                {
                    "name": "Member person",
                    "email": self.member_email,
                    "language": language,
                    "organisations": [{"organisation_id": self.organisation["id"], "role": "contact"}],
                    "password": self.member_password,
                },
            ),
            201,
        )
        self.member = api.as_(api.sign_in(self.member_email, self.member_password))
