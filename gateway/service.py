"""The HTTP gateway: authentication, tenant context, validation, routing and
error mapping. No domain data and no business rules live here."""
import json

from werkzeug.wrappers import Response

from gateway import apipage, openapi, problems
from gateway.auth import Authenticator
from gateway.routes import EXPORTERS
from gateway.routes.conversations import ConversationsRoutes
from gateway.routes.events import EventsRoutes
from gateway.routes.ideas import IdeasRoutes
from gateway.routes.meeting_markets import MeetingMarketsRoutes
from gateway.routes.members import MembersRoutes
from gateway.routes.networks import NetworksRoutes
from gateway.routes.notifications import NotificationsRoutes
from gateway.server import route
from nabo_common.messaging import asyncapi
from nabo_common.operations import broker_reachable
from nabo_common.runtime import metrics
from nabo_common.runtime.rpc import TimedRpcProxy
from nabo_common.runtime.worker import Instrumentation


class Gateway(
    MembersRoutes,
    NetworksRoutes,
    ConversationsRoutes,
    EventsRoutes,
    MeetingMarketsRoutes,
    NotificationsRoutes,
    IdeasRoutes,
):
    name = "gateway"
    # services that contribute to a person's GDPR export besides members
    EXPORT_SERVICES = tuple(EXPORTERS)

    auth = Authenticator()
    instrumentation = Instrumentation()
    members = TimedRpcProxy("members")
    events = TimedRpcProxy("events")
    notifications = TimedRpcProxy("notifications")
    ideas = TimedRpcProxy("ideas")

    _openapi_cache = None
    _asyncapi_cache = None

    @route("GET", "/health/live")
    def health_live(self, request):
        return Response(json.dumps({"status": "ok", "service": "gateway"}), content_type="application/json")

    @route("GET", "/health/ready")
    def health_ready(self, request):
        ok, error = broker_reachable(self.auth_settings_amqp())
        body = {"status": "ok" if ok else "unavailable", "service": "gateway",
                "checks": {"broker": {"ok": ok, **({"error": error} if error else {})}}}
        return Response(json.dumps(body), status=200 if ok else 503, content_type="application/json")

    @route("GET", "/metrics")
    def metrics(self, request):
        return Response(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")

    @route("GET", "/v1/openapi.json")
    def openapi_document(self, request):
        return Response(json.dumps(self._openapi()), content_type="application/json")

    @route("GET", "/v1/asyncapi.json")
    def asyncapi_document(self, request):
        if Gateway._asyncapi_cache is None:
            Gateway._asyncapi_cache = asyncapi.build()
        return Response(json.dumps(Gateway._asyncapi_cache), content_type="application/json")

    @route("GET", "/v1/docs")
    def api_page(self, request):
        return apipage.page()

    @route("GET", apipage.ASSETS_PATH + "/<name>")
    def api_page_asset(self, request, name):
        return apipage.asset(name) or problems.problem(404, "Not found", "No resource lives at this path.",
                                                       instance=request.path)

    @route("GET", "/")
    def index(self, request):
        return Response(status=302, headers={"Location": "/v1/docs"})

    def _openapi(self):
        if Gateway._openapi_cache is None:
            Gateway._openapi_cache = openapi.build()
        return Gateway._openapi_cache

    def auth_settings_amqp(self):
        return self.auth.worker_ctx.container.config["AMQP_URI"]
