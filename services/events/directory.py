"""Looks up, in the members service and as the caller, what the events service does not own: the
associations and networks whose calendars it serves (a network the caller may not see has no feed either),
and persons, so a registration carries the name and address the members service holds for its person and
an organiser can only name persons they may see there."""
from nabo_common.api.errors import NotFound
from services.events.domain.common import normalise_email

# the longest search term the members service takes
LONGEST_QUERY = 100


class MembersDirectory:
    def __init__(self, members_rpc):
        self.members = members_rpc

    def association(self, association_id):
        return self.members.get_association(association_id)

    def network(self, network_id):
        return self.members.get_network(network_id)

    def themes(self, limit):
        return self.members.list_themes({"limit": limit})["items"]

    def organisation(self, organisation_id):
        return self.members.get_organisation(organisation_id)

    def person(self, person_id):
        try:
            return self.members.get_person(person_id)
        except NotFound:
            return None

    def person_with_email(self, email, association_ids):
        """The person of one of ``association_ids`` whose address is ``email``, or None."""
        wanted = normalise_email(email)
        if not wanted or len(wanted) > LONGEST_QUERY:
            return None
        for association_id in association_ids:
            found = self.members.search_persons({"q": wanted, "association_id": association_id, "limit": 10})
            for person in found["items"]:
                if normalise_email(person.get("email")) == wanted:
                    return person
        return None

    def organisation_profile(self, organisation_id):
        """The organisation with its offers and needs, or None when the caller may not see it."""
        try:
            organisation = self.members.get_organisation(organisation_id)
            offers_and_needs = self.members.list_offers_and_needs(organisation_id, {"limit": 200})
        except NotFound:
            return None
        return dict(organisation, offers_and_needs=offers_and_needs["items"])

    def matches(self, organisation_id, limit=200):
        """The organisations the members service suggests ``organisation_id`` meets, best first."""
        return self.members.suggest_matches(organisation_id, {"limit": limit})["items"]
