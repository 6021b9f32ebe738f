"""Looks up associations, organisations and persons in the members service,
as the caller, so an admin can only add participants they may see there."""
from nabo_common.api.errors import NotFound


class MembersDirectory:
    def __init__(self, members_rpc):
        self.members = members_rpc

    def association(self, association_id):
        try:
            return self.members.get_association(association_id)
        except NotFound:
            return None

    def organisation(self, organisation_id):
        try:
            return self.members.get_organisation(organisation_id)
        except NotFound:
            return None

    def person(self, person_id):
        try:
            return self.members.get_person(person_id)
        except NotFound:
            return None
