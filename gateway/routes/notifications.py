"""Routes of the notifications service: campaigns, preferences, the in-app
inbox, unsubscribe (no sign-in; RFC 8058 one-click) and webhooks."""
from werkzeug.wrappers import Response

from contracts.api import notifications as s
from gateway import languages
from gateway.http import api
from gateway.parsing import UnsupportedMediaType
from gateway.routes import EXPORTERS
from nabo_common.api.errors import BadInput
from nabo_common.api.pagination import PageQuery, page_schema

EXPORTERS.append("notifications")
# the forms a mail client's one-click post comes as (RFC 8058 shows multipart/form-data)
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
ONE_CLICK = "One-Click"


def html_page(page, status=200):
    """A link page as its service wrote it: ``page`` holds its ``html`` and the ``language`` it is in."""
    return languages.written_in(
        Response(page["html"], status=status, content_type="text/html; charset=utf-8",
                 headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}),
        page["language"])


class NotificationsRoutes:
    # --- campaigns --------------------------------------------------------------------
    @api("GET", "/v1/campaigns", query=s.CampaignQuery, response=page_schema(s.Campaign), tags=("campaigns",),
         summary="Campaigns of the associations you administer.")
    def list_campaigns(self, request):
        return self.notifications.list_campaigns(request.query)

    @api(
        "POST",
        "/v1/campaigns",
        body=s.CampaignCreate,
        response=s.Campaign,
        status=201,
        tags=("campaigns",),
        rate_limit="write",
        summary="Compose a campaign (newsletter or direct mail) for an audience segment.",
        description="Subject and text per language; "
        "each recipient gets their language, else the association's default, else any given. "
        "Only persons with the matching consent (newsletter, or contact for direct mail) "
        "are ever in the audience.",
    )
    def create_campaign(self, request):
        return self.notifications.create_campaign(request.payload)

    @api(
        "GET",
        "/v1/campaigns/{id}",
        response=s.Campaign,
        tags=("campaigns",),
        summary="One campaign with its sending progress.",
    )
    def get_campaign(self, request, id):
        return self.notifications.get_campaign(id)

    @api(
        "PATCH",
        "/v1/campaigns/{id}",
        body=s.CampaignUpdate,
        response=s.Campaign,
        tags=("campaigns",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Change a campaign that has not started sending.",
    )
    def update_campaign(self, request, id):
        return self.notifications.update_campaign(id, request.payload)

    @api(
        "GET",
        "/v1/campaigns/{id}/audience",
        response=s.AudiencePreview,
        tags=("campaigns",),
        summary="Preview the audience: how many would receive it, in which languages, and a sample.",
    )
    def preview_campaign(self, request, id):
        return self.notifications.preview_campaign(id)

    @api(
        "POST",
        "/v1/campaigns/{id}/send",
        body=s.CampaignSend,
        response=s.Campaign,
        status=202,
        tags=("campaigns",),
        rate_limit="campaign_send",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Send now, or schedule for a time; sending runs in the background.",
        description="Limited per person (CAMPAIGN_SEND_RATE_LIMIT). The recipients count against the "
        "association's daily cap (CAMPAIGN_DAILY_CAP) on the day the campaign goes out: a send "
        "beyond what is left of it is 409 and nothing is queued.",
    )
    def send_campaign(self, request, id):
        return self.notifications.send_campaign(id, request.payload)

    @api(
        "POST",
        "/v1/campaigns/{id}/cancel",
        response=s.Campaign,
        tags=("campaigns",),
        rate_limit="write",
        errors=(401, 403, 404, 409),
        summary="Cancel a campaign; messages not yet sent are not sent.",
    )
    def cancel_campaign(self, request, id):
        return self.notifications.cancel_campaign(id)

    @api(
        "GET",
        "/v1/campaigns/{id}/recipients",
        query=s.RecipientQuery,
        response=page_schema(s.Recipient),
        tags=("campaigns",),
        summary="Per-recipient status: queued, sending, sent, failed or bounced.",
    )
    def campaign_recipients(self, request, id):
        return self.notifications.campaign_recipients(id, request.query)

    @api(
        "POST",
        "/v1/campaigns/{id}/bounces",
        body=s.BounceReport,
        response=s.BounceResult,
        tags=("campaigns",),
        rate_limit="write",
        summary="Feed back bounces reported by the mail provider; hard bounces stop "
        "further campaign mail to the address.",
    )
    def record_bounces(self, request, id):
        return self.notifications.record_bounces(id, request.payload)

    # --- preferences and inbox --------------------------------------------------------
    @api(
        "GET",
        "/v1/persons/{id}/preferences",
        response=s.Preferences,
        tags=("notifications",),
        summary="A person's channels, digest and language for messages.",
        localised=True,
    )
    def get_preferences(self, request, id):
        return self.notifications.get_preferences(id)

    @api(
        "PATCH",
        "/v1/persons/{id}/preferences",
        body=s.PreferencesUpdate,
        response=s.Preferences,
        tags=("notifications",),
        rate_limit="write",
        summary="Change a person's message preferences.",
        localised=True,
    )
    def update_preferences(self, request, id):
        return self.notifications.update_preferences(id, request.payload)

    @api(
        "GET",
        "/v1/me/inbox",
        query=s.InboxQuery,
        response=page_schema(s.InboxItem),
        tags=("notifications",),
        summary="My in-app notifications, newest first.",
    )
    def list_inbox(self, request):
        return self.notifications.list_inbox(request.query)

    @api(
        "POST",
        "/v1/me/inbox/{id}/read",
        response=s.InboxItem,
        tags=("notifications",),
        errors=(401, 404),
        summary="Mark one of my notifications as read.",
    )
    def mark_inbox_read(self, request, id):
        return self.notifications.mark_inbox_read(id)

    # --- unsubscribe (no sign-in) ---------------------------------------------------------
    @api(
        "GET",
        "/v1/unsubscribe",
        auth="optional",
        link_page=True,
        query=s.UnsubscribeQuery,
        tags=("notifications",),
        produces=("text/html",),
        errors=(400, 422, 429),
        rate_limit="write",
        summary="The unsubscribe confirmation page for the signed token in a message's link.",
    )
    def unsubscribe_page(self, request):
        return html_page(self.notifications.unsubscribe_page(request.query["token"]))

    @api(
        "POST",
        "/v1/unsubscribe",
        auth="optional",
        link_page=True,
        query=s.UnsubscribeQuery,
        response=s.UnsubscribeResult,
        tags=("notifications",),
        errors=(400, 415, 422, 429),
        rate_limit="write",
        produces=("application/json", "text/html"),
        summary="Withdraw the consent named by the token (also RFC 8058 one-click: form body "
        "List-Unsubscribe=One-Click).",
        description="A form post (the one-click post of a mail client, or the page's button) and a request "
        "that accepts text/html are answered with the confirmation page; others with JSON.",
    )
    def unsubscribe(self, request):
        is_form = request.mimetype in FORMS
        if is_form:
            # mail clients POST List-Unsubscribe=One-Click; the page's own form sends the same
            if request.form.get("List-Unsubscribe", ONE_CLICK) != ONE_CLICK:
                raise BadInput("The form body must be List-Unsubscribe=One-Click.")
        elif request.get_data(cache=True) and request.mimetype != "application/json":
            raise UnsupportedMediaType()
        result = self.notifications.unsubscribe(request.query["token"])
        page = {"html": result.pop("html"), "language": result.pop("language")}
        if is_form or "text/html" in request.headers.get("Accept", ""):
            return html_page(page)
        return result

    # --- webhooks -------------------------------------------------------------------------
    @api(
        "GET",
        "/v1/webhooks",
        query=s.WebhookQuery,
        response=page_schema(s.Webhook),
        tags=("webhooks",),
        summary="Webhooks of the associations you administer.",
    )
    def list_webhooks(self, request):
        return self.notifications.list_webhooks(request.query)

    @api(
        "POST",
        "/v1/webhooks",
        body=s.WebhookCreate,
        response=s.Webhook,
        status=201,
        tags=("webhooks",),
        rate_limit="write",
        summary="Register an http(s) URL to receive signed events.",
        description="Each POST carries X-Nabo-Timestamp and X-Nabo-Signature: v1=hex(HMAC-SHA256(secret, "
        "timestamp + '.' + body)), and X-Nabo-Delivery, stable across retries.",
    )
    def create_webhook(self, request):
        return self.notifications.create_webhook(request.payload)

    @api("GET", "/v1/webhooks/{id}", response=s.Webhook, tags=("webhooks",), summary="One webhook.")
    def get_webhook(self, request, id):
        return self.notifications.get_webhook(id)

    @api(
        "DELETE",
        "/v1/webhooks/{id}",
        status=204,
        tags=("webhooks",),
        rate_limit="write",
        errors=(401, 404),
        summary="Stop a webhook.",
    )
    def delete_webhook(self, request, id):
        return self.notifications.delete_webhook(id)

    @api(
        "GET",
        "/v1/webhooks/{id}/deliveries",
        query=PageQuery,
        response=page_schema(s.WebhookDelivery),
        tags=("webhooks",),
        summary="Recent deliveries of a webhook with their outcome.",
    )
    def webhook_deliveries(self, request, id):
        return self.notifications.webhook_deliveries(id, request.query)
