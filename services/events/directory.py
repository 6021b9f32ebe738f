"""Looks persons up in the members service as the caller, so a registration
carries the name and address the members service holds for its person, and
an organiser can only name persons they may see there."""
from nabo_common.api.errors import NotFound


class People:
    def __init__(self, members_rpc):
        self.members = members_rpc

    def person(self, person_id):
        try:
            return self.members.get_person(person_id)
        except NotFound:
            return None
