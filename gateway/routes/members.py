"""Routes of the members service: auth, associations, organisations,
memberships, persons, consents and the GDPR export."""
from contracts.api import members as s
from gateway import tokens
from gateway.calendars import subscription_links
from gateway.http import api
from gateway.parsing import csv_import_payload
from gateway.runtime import runtime
from nabo_common.api.pagination import PageQuery, page_schema


class MembersRoutes:
    # --- auth -----------------------------------------------------------------
    @api("POST", "/v1/auth/token", auth="optional", body=s.TokenRequest, response=s.Token, tags=("auth",),
         rate_limit="sign_in", errors=(400, 401, 422, 429),
         # a token is a secret not to be kept in the Idempotency-Key store; signing in again is harmless
         idempotent=False,
         summary="Sign in with e-mail and password; returns a bearer token.")
    def sign_in(self, request):
        claims = self.members.authenticate(request.payload)
        ttl = runtime().config.token_ttl
        return {"access_token": tokens.issue(claims, runtime().config.jwt_keys, ttl), "token_type": "Bearer",
                "expires_in": ttl}

    @api("GET", "/v1/me", response=s.Me, tags=("auth",), summary="Who I am: person, roles and associations.")
    def me(self, request):
        claims = self.members.claims_for_person(request.caller.person_id)
        person = self.members.get_person(request.caller.person_id)
        return {"person": person, "roles": claims["roles"], "admin_of": claims["admin_of"],
                "member_of": claims["member_of"], "organisation_ids": claims["organisation_ids"],
                "language": request.caller.language}

    # --- calendar feed tokens ----------------------------------------------------
    @api("GET", "/v1/me/calendar-token", response=s.CalendarTokenState, tags=("calendars",),
         summary="Whether you have a calendar feed token (never the token itself).")
    def calendar_token_state(self, request):
        return self.members.calendar_token_state()

    @api("POST", "/v1/me/calendar-token", response=s.CalendarToken, status=201, tags=("calendars",),
         rate_limit="write", errors=(401, 429),
         summary="Make your private calendar feed token, replacing any earlier one; shown only here.",
         description="Calendar clients (Google, Apple, Outlook) cannot send a bearer token: the token goes "
                     "in the feed URL's query string instead (?token=...) and reads the calendar feeds as "
                     "you. It opens calendar feeds and nothing else. The answer lists ready-made "
                     "subscription URLs, built on PUBLIC_BASE_URL, of your associations' and networks' "
                     "feeds; only a hash of the token is kept, so a lost token is replaced, not shown again.")
    def create_calendar_token(self, request):
        links = subscription_links(runtime().config.public_base_url, self.members.issue_calendar_token())
        return 201, {"Cache-Control": "no-store"}, links

    @api("DELETE", "/v1/me/calendar-token", status=204, tags=("calendars",), rate_limit="write",
         errors=(401, 429),
         summary="Revoke your calendar feed token: its URLs then answer 401.")
    def revoke_calendar_token(self, request):
        self.members.revoke_calendar_token()

    # --- associations -----------------------------------------------------------
    @api("GET", "/v1/associations", auth="optional", query=PageQuery, response=page_schema(s.Association),
         tags=("associations",), summary="List associations (tenants).")
    def list_associations(self, request):
        return self.members.list_associations(request.query)

    @api("POST", "/v1/associations", body=s.AssociationCreate, response=s.Association, status=201,
         tags=("associations",), rate_limit="write", summary="Create an association (platform admin).")
    def create_association(self, request):
        return self.members.create_association(request.payload)

    @api("GET", "/v1/associations/{id}", auth="optional", response=s.Association, tags=("associations",),
         summary="One association.")
    def get_association(self, request, id):
        return self.members.get_association(id)

    @api("PATCH", "/v1/associations/{id}", body=s.AssociationUpdate, response=s.Association,
         tags=("associations",), rate_limit="write", summary="Change an association's settings (its admins).")
    def update_association(self, request, id):
        return self.members.update_association(id, request.payload)

    @api(
        "POST",
        "/v1/associations/{id}/members/import",
        csv_body=s.MemberImport,
        query=s.MemberImportQuery,
        response=s.MemberImportResult,
        tags=("memberships",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 422),
        summary='Import member companies from a CSV table (text/csv, or JSON {"csv": ...}; '
        "the association's admins).",
        description="One line per member: organisation_name, country, registration_number (optionally "
        "registration_kind), contact_name, contact_email, membership_status, optionally "
        "membership_type. Each line makes the organisation, its contact person and the "
        "membership in the status given, by the same rules as the single calls; what exists "
        "already (organisation by country and registration number, person by e-mail, the "
        "membership) is reported as present and left alone. ?dry_run=true answers what would "
        "change, and the errors per line, without writing; a real run is all or nothing (422 "
        "with errors per line and field).",
    )
    def import_members(self, request, id):
        return self.members.import_members(id, csv_import_payload(request), request.query)

    @api(
        "GET",
        "/v1/associations/{id}/audit",
        query=s.AuditQuery,
        response=page_schema(s.AuditEntry),
        tags=("associations",),
        summary="The association's audit trail: who changed what, when, in any "
        "service, newest first (its admins).",
    )
    def list_audit_entries(self, request, id):
        return self.members.list_audit_entries(id, request.query)

    # --- organisations ----------------------------------------------------------
    @api(
        "GET",
        "/v1/organisations",
        auth="optional",
        query=s.OrganisationQuery,
        response=page_schema(s.Organisation),
        tags=("organisations",),
        summary="Search organisations by text, sector, country, region or association (what you may see).",
    )
    def search_organisations(self, request):
        return self.members.search_organisations(request.query)

    @api(
        "POST",
        "/v1/organisations",
        body=s.OrganisationCreate,
        response=s.Organisation,
        status=201,
        tags=("organisations",),
        rate_limit="write",
        summary="Register an organisation (association admin).",
    )
    def create_organisation(self, request):
        return self.members.create_organisation(request.payload)

    @api(
        "GET",
        "/v1/organisations/{id}",
        auth="optional",
        response=s.Organisation,
        tags=("organisations",),
        summary="One organisation.",
    )
    def get_organisation(self, request, id):
        return self.members.get_organisation(id)

    @api(
        "PATCH",
        "/v1/organisations/{id}",
        body=s.OrganisationUpdate,
        response=s.Organisation,
        tags=("organisations",),
        rate_limit="write",
        summary="Change an organisation's profile.",
    )
    def update_organisation(self, request, id):
        return self.members.update_organisation(id, request.payload)

    # --- memberships --------------------------------------------------------------
    @api(
        "GET",
        "/v1/memberships",
        query=s.MembershipQuery,
        response=page_schema(s.Membership),
        tags=("memberships",),
        summary="List memberships you may see.",
    )
    def search_memberships(self, request):
        return self.members.search_memberships(request.query)

    @api(
        "POST",
        "/v1/memberships",
        body=s.MembershipCreate,
        response=s.Membership,
        status=201,
        tags=("memberships",),
        rate_limit="write",
        summary="Add an organisation to an association (pending).",
    )
    def create_membership(self, request):
        return self.members.create_membership(request.payload)

    @api(
        "GET", "/v1/memberships/{id}", response=s.Membership, tags=("memberships",), summary="One membership."
    )
    def get_membership(self, request, id):
        return self.members.get_membership(id)

    @api(
        "PATCH",
        "/v1/memberships/{id}",
        body=s.MembershipUpdate,
        response=s.Membership,
        tags=("memberships",),
        rate_limit="write",
        summary="Change a membership's type or end date.",
    )
    def update_membership(self, request, id):
        return self.members.update_membership(id, request.payload)

    @api(
        "POST",
        "/v1/memberships/{id}/transitions",
        body=s.MembershipTransitionCreate,
        response=s.Membership,
        tags=("memberships",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Move a membership to another status (activate, lapse, cancel), dated.",
    )
    def transition_membership(self, request, id):
        return self.members.transition_membership(id, request.payload)

    @api(
        "POST",
        "/v1/memberships/{id}/renewals",
        body=s.MembershipRenewal,
        response=s.Membership,
        tags=("memberships",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Renew a membership until a new end date.",
    )
    def renew_membership(self, request, id):
        return self.members.renew_membership(id, request.payload)

    # --- persons ------------------------------------------------------------------
    @api(
        "GET",
        "/v1/persons",
        query=s.PersonQuery,
        response=page_schema(s.Person),
        tags=("persons",),
        summary="List persons you manage.",
    )
    def search_persons(self, request):
        return self.members.search_persons(request.query)

    @api(
        "POST",
        "/v1/persons",
        body=s.PersonCreate,
        response=s.Person,
        status=201,
        tags=("persons",),
        rate_limit="write",
        errors=(400, 401, 403, 409, 422),
        summary="Register a person (association admin).",
    )
    def create_person(self, request):
        return self.members.create_person(request.payload)

    @api("GET", "/v1/persons/{id}", response=s.Person, tags=("persons",), summary="One person.")
    def get_person(self, request, id):
        return self.members.get_person(id)

    @api(
        "PATCH",
        "/v1/persons/{id}",
        body=s.PersonUpdate,
        response=s.Person,
        tags=("persons",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Change a person's data.",
    )
    def update_person(self, request, id):
        return self.members.update_person(id, request.payload)

    @api(
        "DELETE",
        "/v1/persons/{id}",
        tags=("persons",),
        rate_limit="write",
        errors=(401, 403, 404, 409),
        status=202,
        summary="Erase a person (GDPR): anonymised here, and in every service through person.erased.",
    )
    def erase_person(self, request, id):
        return self.members.erase_person(id)

    @api(
        "POST",
        "/v1/persons/{id}/roles",
        body=s.PersonRoleGrant,
        response=s.Person,
        tags=("persons",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Give a person a role in an organisation, or make them an association's admin.",
    )
    def grant_person_role(self, request, id):
        return self.members.grant_person_role(id, request.payload)

    @api(
        "GET",
        "/v1/persons/{id}/consents",
        response=s.ConsentState,
        tags=("persons",),
        summary="Current consents and their full history.",
    )
    def get_consents(self, request, id):
        return self.members.get_consents(id)

    @api(
        "POST",
        "/v1/persons/{id}/consents",
        body=s.ConsentCreate,
        response=s.ConsentState,
        status=201,
        tags=("persons",),
        rate_limit="write",
        summary="Record a consent given or withdrawn.",
    )
    def record_consent(self, request, id):
        return self.members.record_consent(id, request.payload)

    @api(
        "GET",
        "/v1/persons/{id}/export",
        tags=("persons",),
        summary="Everything held about a person, from every service (GDPR access).",
        localised=True,
    )
    def export_person(self, request, id):
        parts = {"members": self.members.export_person(id)}
        for name in self.EXPORT_SERVICES:
            parts[name] = getattr(self, name).export_person(id)
        return {"person_id": id, "services": parts}
