"""The cancel link of a registration mail, on the HTTP side: the notifications service, which signed
it, says which registration the token names; only then does the gateway act for the link (a system
caller) and have the events service read or cancel that registration; the page comes from the
notifications service, in the registrant's language."""
from nabo_common.runtime.context import system_caller


def follow(routes, request, cancel):
    """The registration the link names (cancelled if ``cancel``) and the page to show for it."""
    token = request.query["token"]
    named = routes.notifications.registration_of_cancel_token(token)
    routes.auth.act_as(system_caller(request.nabo_request_id))
    if cancel:
        registration = routes.events.cancel_registration_by_link(named["registration_id"])
    else:
        registration = routes.events.registration_for_cancel_link(named["registration_id"])
    return registration, routes.notifications.registration_cancel_page(token, registration)
