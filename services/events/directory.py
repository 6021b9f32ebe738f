"""Looks up, in the members service and as the caller, what the events service does not own: the
associations and networks whose calendars it serves (a network the caller may not see has no feed either),
and persons, so a registration carries the name and address the members service holds for its person and
an organiser can only name persons they may see there."""
from nabo_common.api.errors import NotFound


class MembersDirectory:
    def __init__(self, members_rpc):
        self.members = members_rpc

    def association(self, association_id):
        return self.members.get_association(association_id)

    def network(self, network_id):
        return self.members.get_network(network_id)

    def person(self, person_id):
        try:
            return self.members.get_person(person_id)
        except NotFound:
            return None
