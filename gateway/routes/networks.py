"""Routes of the networks part of the API: themes, offers and needs,
matchmaking and networks (declared with gateway.http.api)."""
from contracts.api import networks as s
from gateway.http import api
from nabo_common.api.pagination import PageQuery, page_schema

WRITE_ERRORS = (400, 401, 403, 404, 409, 422)
# one page schema per item type, so the OpenAPI document names each once
OFFER_NEED_PAGE = page_schema(s.OfferNeed)
NETWORK_MEMBER_PAGE = page_schema(s.NetworkMember)


class NetworksRoutes:
    # --- themes -----------------------------------------------------------------------
    @api(
        "GET",
        "/v1/themes",
        auth="optional",
        query=s.ThemeQuery,
        response=page_schema(s.Theme),
        tags=("themes",),
        summary="The theme taxonomy with labels in da, nl, de, sv and en (public).",
        localised=True,
    )
    def list_themes(self, request):
        return self.members.list_themes(request.query)

    @api("GET", "/v1/themes/{id}", auth="optional", response=s.Theme, tags=("themes",), summary="One theme.",
         localised=True)
    def get_theme(self, request, id):
        return self.members.get_theme(id)

    @api(
        "POST",
        "/v1/themes",
        body=s.ThemeCreate,
        response=s.Theme,
        status=201,
        tags=("themes",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Propose a theme (association admins), or add one with all five labels (platform admins).",
        localised=True,
    )
    def create_theme(self, request):
        return self.members.create_theme(request.payload)

    @api(
        "PATCH",
        "/v1/themes/{id}",
        body=s.ThemeUpdate,
        response=s.Theme,
        tags=("themes",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Add translations to a theme or move it under a parent (admins).",
        localised=True,
    )
    def update_theme(self, request, id):
        return self.members.update_theme(id, request.payload)

    @api(
        "POST",
        "/v1/themes/{id}/transitions",
        body=s.ThemeTransition,
        response=s.Theme,
        tags=("themes",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Accept a proposed theme (it needs all five labels) or retire one (platform admins).",
        localised=True,
    )
    def transition_theme(self, request, id):
        return self.members.transition_theme(id, request.payload)

    @api(
        "POST",
        "/v1/themes/{id}/merge",
        body=s.ThemeMerge,
        response=s.Theme,
        tags=("themes",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Merge a theme into another: everything tagged with it follows, in every service (platform "
        "admins).",
        localised=True,
    )
    def merge_theme(self, request, id):
        return self.members.merge_theme(id, request.payload)

    # --- offers and needs -------------------------------------------------------------
    @api(
        "GET",
        "/v1/offers-and-needs",
        auth="optional",
        query=s.SupplyDemandQuery,
        response=OFFER_NEED_PAGE,
        tags=("offers and needs",),
        summary="The region's supply and demand: offers and needs of organisations you may see.",
    )
    def search_offers_and_needs(self, request):
        return self.members.search_offers_and_needs(request.query)

    @api(
        "GET",
        "/v1/organisations/{id}/offers-and-needs",
        auth="optional",
        query=s.OfferNeedQuery,
        response=OFFER_NEED_PAGE,
        tags=("offers and needs",),
        summary="What an organisation offers and seeks.",
    )
    def list_offers_and_needs(self, request, id):
        return self.members.list_offers_and_needs(id, request.query)

    @api(
        "POST",
        "/v1/organisations/{id}/offers-and-needs",
        body=s.OfferNeedCreate,
        response=s.OfferNeed,
        status=201,
        tags=("offers and needs",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Describe something the organisation offers or seeks "
        "(its people or its association's admins).",
    )
    def create_offer_or_need(self, request, id):
        return self.members.create_offer_or_need(id, request.payload)

    @api(
        "PATCH",
        "/v1/organisations/{id}/offers-and-needs/{item_id}",
        body=s.OfferNeedUpdate,
        response=s.OfferNeed,
        tags=("offers and needs",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Change an offer or need.",
    )
    def update_offer_or_need(self, request, id, item_id):
        return self.members.update_offer_or_need(id, item_id, request.payload)

    @api(
        "DELETE",
        "/v1/organisations/{id}/offers-and-needs/{item_id}",
        status=204,
        tags=("offers and needs",),
        rate_limit="write",
        errors=(401, 403, 404),
        summary="Withdraw an offer or need.",
    )
    def delete_offer_or_need(self, request, id, item_id):
        self.members.delete_offer_or_need(id, item_id)
        return 204, None

    # --- matchmaking --------------------------------------------------------------------
    @api(
        "GET",
        "/v1/organisations/{id}/matches",
        query=s.MatchQuery,
        response=page_schema(s.MatchSuggestion),
        tags=("matches",),
        summary="Who with whom: ranked organisations to meet, with the reasons.",
        description="Across languages through the theme taxonomy; only organisations you may see and whose "
        "people have not withdrawn contact consent; dismissed suggestions are left out.",
        localised=True,
    )
    def suggest_matches(self, request, id):
        return self.members.suggest_matches(id, request.query)

    @api(
        "POST",
        "/v1/organisations/{id}/matches/{candidate_id}/decision",
        body=s.MatchDecision,
        response=s.Match,
        tags=("matches",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Accept or dismiss a suggested organisation.",
    )
    def decide_match(self, request, id, candidate_id):
        return self.members.decide_match(id, candidate_id, request.payload)

    @api(
        "POST",
        "/v1/organisations/{id}/matches/{candidate_id}/introduction",
        body=s.Introduction,
        response=s.Match,
        status=201,
        tags=("matches",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Introduce an accepted match: both organisations' contacts are e-mailed (match.introduced).",
    )
    def introduce_match(self, request, id, candidate_id):
        return self.members.introduce_match(id, candidate_id, request.payload)

    # --- networks ------------------------------------------------------------------------
    @api(
        "GET",
        "/v1/networks",
        auth="optional",
        query=s.NetworkQuery,
        response=page_schema(s.Network),
        tags=("networks",),
        summary="The network directory: search by text, theme, association, country, "
        "language and activity (public networks without signing in).",
        localised=True,
    )
    def search_networks(self, request):
        return self.members.search_networks(request.query)

    @api(
        "POST",
        "/v1/networks",
        body=s.NetworkCreate,
        response=s.Network,
        status=201,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Start a network; you become its convener.",
        localised=True,
    )
    def create_network(self, request):
        return self.members.create_network(request.payload)

    @api(
        "GET",
        "/v1/networks/{id}",
        auth="optional",
        response=s.Network,
        tags=("networks",),
        summary="One network.",
        localised=True,
    )
    def get_network(self, request, id):
        return self.members.get_network(id)

    @api(
        "PATCH",
        "/v1/networks/{id}",
        body=s.NetworkUpdate,
        response=s.Network,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Change a network's profile, join policy, eligibility or activity (conveners).",
        localised=True,
    )
    def update_network(self, request, id):
        return self.members.update_network(id, request.payload)

    @api(
        "POST",
        "/v1/networks/{id}/wake",
        response=s.Network,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Wake a dormant network (its conveners and its owning associations' admins; members wake it "
        "by answering a question).",
        localised=True,
    )
    def wake_network(self, request, id):
        return self.members.wake_network(id)

    @api(
        "POST",
        "/v1/networks/{id}/owners",
        body=s.OwnerAdd,
        response=s.Network,
        status=201,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Ask another association to co-own the network (conveners; pending until its admin agrees).",
        localised=True,
    )
    def add_network_owner(self, request, id):
        return self.members.add_network_owner(id, request.payload)

    @api(
        "POST",
        "/v1/networks/{id}/owners/{association_id}/decision",
        body=s.OwnerDecision,
        response=s.Network,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Agree to or decline co-owning a network (that association's admin).",
        localised=True,
    )
    def decide_network_owner(self, request, id, association_id):
        return self.members.decide_network_owner(id, association_id, request.payload)

    @api(
        "GET",
        "/v1/networks/{id}/members",
        query=s.NetworkMemberQuery,
        response=NETWORK_MEMBER_PAGE,
        tags=("networks",),
        summary="Who is in the network (members); requests and invitations (conveners).",
    )
    def list_network_members(self, request, id):
        return self.members.list_network_members(id, request.query)

    @api(
        "POST",
        "/v1/networks/{id}/members",
        body=s.JoinRequest,
        response=s.NetworkMember,
        status=201,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Join (open), ask to join (on request) or accept an invitation; status says which.",
    )
    def join_network(self, request, id):
        return self.members.join_network(id, request.payload)

    @api(
        "PATCH",
        "/v1/networks/{id}/members/{person_id}",
        body=s.MemberUpdate,
        response=s.NetworkMember,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Make a member a convener or a plain member (conveners).",
    )
    def update_network_member(self, request, id, person_id):
        return self.members.update_network_member(id, person_id, request.payload)

    @api(
        "DELETE",
        "/v1/networks/{id}/members/{person_id}",
        status=204,
        tags=("networks",),
        rate_limit="write",
        errors=(401, 403, 404),
        summary="Leave (yourself) or remove a member (conveners).",
    )
    def remove_network_member(self, request, id, person_id):
        self.members.remove_network_member(id, person_id)
        return 204, None

    @api(
        "GET",
        "/v1/networks/{id}/join-requests",
        query=PageQuery,
        response=NETWORK_MEMBER_PAGE,
        tags=("networks",),
        summary="Open requests to join (conveners).",
    )
    def list_join_requests(self, request, id):
        return self.members.list_network_members(id, dict(request.query, status="requested"))

    @api(
        "POST",
        "/v1/networks/{id}/join-requests/{person_id}/decision",
        body=s.JoinDecision,
        response=s.NetworkMember,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Approve or decline a request to join (conveners).",
    )
    def decide_join_request(self, request, id, person_id):
        return self.members.decide_join_request(id, person_id, request.payload)

    @api(
        "POST",
        "/v1/networks/{id}/invitations",
        body=s.Invitation,
        response=s.NetworkMember,
        status=201,
        tags=("networks",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Invite a person (conveners); they accept by joining.",
    )
    def invite_to_network(self, request, id):
        return self.members.invite_to_network(id, request.payload)
