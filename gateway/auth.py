"""Who is calling: the bearer token becomes a verified Caller, which is then
signed into the nameko context so every service downstream can verify it."""
import functools

from nameko.extensions import DependencyProvider

from gateway import tokens
from gateway.runtime import runtime
from nabo_common.api.errors import BadInput, NotAuthenticated
from nabo_common.i18n import negotiation
from nabo_common.i18n.catalogues import N_
from nabo_common.runtime import context as context_mod
from nabo_common.runtime import settings as settings_mod

# the language each Accept-Language header asks for, kept for the headers clients send again and again
# (reading one with Babel takes 20-25 us); a header longer than any browser's is read each time
LANGUAGES_ASKED = 1024
REMEMBERED_HEADER_CHARS = 256


@functools.lru_cache(maxsize=LANGUAGES_ASKED)
def _language_asked(accept_language):
    return negotiation.from_header(accept_language)


def pick_language(accept_language, fallback):
    """The caller's Accept-Language, else their own preferred language, else English."""
    if accept_language is not None and len(accept_language) > REMEMBERED_HEADER_CHARS:
        return negotiation.negotiate(accept_language, fallback)
    return negotiation.pick(_language_asked(accept_language), fallback)


class RequestAuth:
    def __init__(self, worker_ctx, context_keys):
        self.worker_ctx = worker_ctx
        self.context_keys = context_keys
        self.caller = None

    def _bearer(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(N_("Use an Authorization header of the form 'Bearer <token>'."))
        return token.strip()

    def authenticate(self, request, required=True, members=None):
        token = self._bearer(request)
        request_id = request.nabo_request_id
        claims = None
        if token:
            rt = runtime()
            try:
                if rt.oidc is None or tokens.is_own(token, rt.config.jwt_keys):
                    claims = tokens.verify(token, rt.config.jwt_keys)
                else:
                    email = rt.oidc.email_of(token)
                    self.act_as(context_mod.system_caller(request_id))
                    claims = members.claims_for_email(email)
            except tokens.InvalidToken as exc:
                raise NotAuthenticated(str(exc)) from None
        if claims is None and required:
            raise NotAuthenticated(N_("Sign in: send a bearer token from POST /v1/auth/token."))
        return self._sign_in(request, claims)

    def authenticate_calendar_token(self, request, token, members):
        """A calendar feed read as the person whose feed token is in its URL: calendar clients
        cannot send a bearer token. Only the feed routes call this."""
        if self._bearer(request):
            raise BadInput(N_("Send either a bearer token or a calendar feed token, not both."))
        self.act_as(context_mod.system_caller(request.nabo_request_id))
        return self._sign_in(request, members.claims_for_calendar_token(token))

    def _sign_in(self, request, claims):
        if claims:
            caller = context_mod.Caller.from_claims(dict(claims, request_id=request.nabo_request_id))
        else:
            caller = context_mod.Caller(request_id=request.nabo_request_id)
        language = pick_language(request.headers.get("Accept-Language"), caller.language)
        caller = context_mod.Caller(**{**caller.__dict__, "language": language})
        self.act_as(caller)
        return caller

    def act_as(self, caller):
        """Sign ``caller`` into the context every following RPC carries."""
        self.caller = caller
        data = self.worker_ctx.data
        # the request id goes beside the caller's token, which is then the same for the caller's requests
        data[context_mod.CONTEXT_KEY] = context_mod.sign_shared(caller, self.context_keys)
        data[context_mod.REQUEST_ID_KEY] = caller.request_id
        data[context_mod.LANGUAGE_KEY] = caller.language


class Authenticator(DependencyProvider):
    def setup(self):
        self.context_keys = settings_mod.from_container(self.container).context_keys
        try:
            runtime()  # the gateway's own settings: a bad value stops the start, not the first request
        except settings_mod.ConfigError as exc:
            raise SystemExit(f"nabo: configuration error: {exc}") from None

    def get_dependency(self, worker_ctx):
        return RequestAuth(worker_ctx, self.context_keys)
