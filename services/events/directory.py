"""Looks up the associations and networks whose calendars the events service serves, in the members
service and as the caller, so a network the caller may not see has no feed either."""


class MembersDirectory:
    def __init__(self, members_rpc):
        self.members = members_rpc

    def association(self, association_id):
        return self.members.get_association(association_id)

    def network(self, network_id):
        return self.members.get_network(network_id)
