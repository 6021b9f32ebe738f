"""The link in every registration mail that lets the registrant, guest or member, cancel without
signing in: a token signed like the unsubscribe links names the registration. The gateway asks here
which registration a token names, has the events service read or cancel it, and serves the page
made here."""
from urllib.parse import quote

from services.notifications.domain import rendering, tokens

PURPOSE = "cancel_registration"
PATH = "/v1/cancel-registration"


def link(config, registration_id):
    token = tokens.sign_for(config.unsubscribe_keys, PURPOSE, {"r": registration_id})
    return f"{config.public_base_url}{PATH}?token={quote(token)}"


def registration_of(config, token):
    claims = tokens.verify_for(config.unsubscribe_keys, token, PURPOSE, ("r",), "cancel")
    return {"registration_id": claims["r"]}


def page(config, token, registration):
    """The confirmation page, or once cancelled (``status``) the page saying so, in the registration's
    language."""
    language = rendering.pick_language(registration.get("language"))
    html = rendering.render_page("cancel_registration", language, {
        "title": registration["title"], "starts_at": registration["starts_at"],
        "time_zone": registration["time_zone"], "done": registration["status"] == "cancelled",
        "already": registration.get("already_cancelled", False),
        "action_url": f"{config.public_base_url}{PATH}?token={quote(token)}"})
    return {"html": html, "language": language}
