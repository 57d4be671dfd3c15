"""Single sign-on over OpenID Connect: two routes beside Streamlit, ending in the app's own session.

`GET /api/sso/start` records a sign-in under way (state, nonce and PKCE verifier, bound to this
browser's pre-sign-in cookie; only the state's hash is kept) and sends the browser to the
identity provider. `GET /api/sso/callback` uses that record up, trades the code for tokens
(Authlib's httpx client, with the PKCE verifier), checks the ID token (signature against the
provider's published keys, issuer, audience, expiry, nonce), asks `store.sso.sign_in` whom it
signs in, and sets the same HttpOnly session cookie as a password sign-in. A refusal goes back
to the sign-in page with a short code (`store.sso.REFUSALS`) that the page turns into words.

Why not `st.login`: it keeps the person in Streamlit's own signed identity cookie (30 days,
not revocable on the server, no idle timeout, no audit), and the app already has server-side
sessions that sign-out, deactivation and the idle timeout end.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import httpx2 as httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from store import accounts, config, sso, sso_config
from store.sso_config import SsoConfigError, SsoSettings

log = logging.getLogger("training.sso")

START_PATH = "/api/sso/start"
CALLBACK_PATH = "/api/sso/callback"
ERROR_PARAM = "sign_in_error"
HTTP_TIMEOUT = 10.0  # seconds for each request to the provider
METADATA_MAX_AGE = 3600.0  # seconds a provider's metadata and keys are kept
LEEWAY = 120  # seconds of clock difference tolerated on the ID token's times
_cache: dict[str, tuple[float, dict, dict | None]] = {}


class OidcError(Exception):
    """The provider's answer could not be used (the log says why; people see a plain refusal)."""


def _redirect(url: str) -> RedirectResponse:
    """Return a 303 redirect to url that no cache keeps (each one carries a one-time state)."""
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(code: str) -> Response:
    return _redirect("/?" + urlencode({ERROR_PARAM: code}))


def _settings() -> SsoSettings | None:
    try:
        return sso_config.load()
    except SsoConfigError as exc:
        log.error("Single sign-on is misconfigured: %s", exc)
        return None


def _configured(
    endpoint: Callable[[Request, SsoSettings], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap an endpoint: it gets the checked settings, or the browser a "config" refusal."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        settings = _settings()
        if settings is None:
            return _refused("config")
        return await endpoint(request, settings)

    return run


def redirect_uri(request: Request) -> str:
    """Return the callback address registered at the provider (TRAINING_BASE_URL's, if set)."""
    base = config.base_url()
    if not base:
        scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0]
        base = f"{scheme.strip()}://{request.headers.get('host', request.url.netloc)}"
    return base + CALLBACK_PATH


async def _get_json(client: httpx.AsyncClient, url: str) -> dict:
    response = await client.get(url)
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise OidcError(f"{url} did not answer with a JSON object")
    return data


async def provider_metadata(settings: SsoSettings, *, refresh_keys: bool = False) -> dict:
    """Return the provider's discovery document with its keys under "jwks" (cached an hour)."""
    cached = _cache.get(settings.metadata_url)
    if cached and time.monotonic() - cached[0] < METADATA_MAX_AGE and not refresh_keys:
        return cached[1] | {"jwks": cached[2]}
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
            metadata = cached[1] if cached and refresh_keys else None
            metadata = metadata or await _get_json(client, settings.metadata_url)
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(key), str):
                    raise OidcError(f"the provider's metadata has no {key}")
            jwks = await _get_json(client, metadata["jwks_uri"])
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"could not read the provider's metadata or keys: {exc}") from exc
    _cache[settings.metadata_url] = (time.monotonic(), metadata, jwks)
    return metadata | {"jwks": jwks}


def _client(settings: SsoSettings, metadata: dict, request: Request) -> AsyncOAuth2Client:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return AsyncOAuth2Client(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scope=settings.scopes,
        redirect_uri=redirect_uri(request),
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
        timeout=HTTP_TIMEOUT,
    )


def _decode_id_token(id_token: str, metadata: dict):
    algorithms = [
        a for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"] if a != "none"
    ]
    registry = JWSRegistry(algorithms=algorithms)
    return jwt.decode(id_token, KeySet.import_key_set(metadata["jwks"]), registry=registry)


async def checked_claims(
    settings: SsoSettings, request: Request, *, code: str, pending: sso.PendingLogin
) -> dict:
    """Trade the code for tokens and return the ID token's checked claims (plus userinfo's)."""
    metadata = await provider_metadata(settings)
    returned_issuer = request.query_params.get("iss")
    if returned_issuer is not None and returned_issuer != metadata["issuer"]:
        raise OidcError(f"the answer names issuer {returned_issuer!r}")  # RFC 9207 mix-up
    try:
        async with _client(settings, metadata, request) as client:
            token = await client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
            if "id_token" not in token:
                raise OidcError("the token answer has no ID token")
            try:
                decoded = _decode_id_token(token["id_token"], metadata)
            except InvalidKeyIdError:  # the provider has rolled its keys since we read them
                metadata = await provider_metadata(settings, refresh_keys=True)
                decoded = _decode_id_token(token["id_token"], metadata)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "values": [metadata["issuer"]]},
                    "aud": {"essential": True, "values": [settings.client_id]},
                },
                {
                    "nonce": pending.nonce,
                    "client_id": settings.client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=LEEWAY)
            found = dict(claims)
            # Providers that follow the standard strictly give the email only at userinfo.
            if settings.email_claim not in found and metadata.get("userinfo_endpoint"):
                response = await client.get(metadata["userinfo_endpoint"])
                response.raise_for_status()
                info = response.json()
                if not isinstance(info, dict) or info.get("sub") != found["sub"]:
                    raise OidcError("userinfo is about someone else")
                found = info | found
    except AuthlibBaseError as exc:  # the provider refused the code (invalid_grant, ...)
        raise OidcError(f"the provider refused the code: {exc!r}") from exc
    except (httpx.HTTPError, JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcError(f"the token answer could not be used: {exc!r}") from exc
    return found


@_configured
async def sso_start(request: Request, settings: SsoSettings) -> Response:
    """Send the browser to the identity provider with a fresh state, nonce and PKCE challenge."""
    from ui.server import PRESIGN_COOKIE, safe_next

    browser_secret = request.cookies.get(PRESIGN_COOKIE)
    if not browser_secret:
        return _refused("cookies")
    try:
        metadata = await provider_metadata(settings)
    except OidcError as exc:
        log.error("Single sign-on could not start: %s", exc)
        return _refused("provider")
    pending = sso.begin_login(
        browser_secret=browser_secret, next_path=safe_next(request.query_params.get("next"))
    )
    client = _client(settings, metadata, request)
    extra = {"prompt": settings.prompt} if settings.prompt else {}
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        **extra,
    )
    return _redirect(url)


@_configured
async def sso_callback(request: Request, settings: SsoSettings) -> Response:
    """Finish a single sign-on: check everything, then set the app's own session cookie."""
    from ui.server import PRESIGN_COOKIE, safe_next, set_session_cookie

    browser_secret = request.cookies.get(PRESIGN_COOKIE)
    pending = sso.take_login(state=request.query_params.get("state"), browser_secret=browser_secret)
    if pending is None:
        accounts.record_audit(action="sso_sign_in_refused", detail="state")
        return _refused("state")
    code = request.query_params.get("code")
    if request.query_params.get("error") or not code:
        error = (request.query_params.get("error") or "no code")[:100]
        accounts.record_audit(action="sso_sign_in_refused", detail=f"provider: {error}")
        return _refused("provider")
    try:
        claims = await checked_claims(settings, request, code=code, pending=pending)
    except OidcError as exc:
        log.warning("Single sign-on refused: %s", exc)
        accounts.record_audit(action="sso_sign_in_refused", detail="provider: token checks")
        return _refused("provider")
    outcome = sso.sign_in(
        issuer=claims["iss"], subject=str(claims["sub"]), claims=claims, settings=settings
    )
    if outcome.user is None:
        return _refused(outcome.refusal or "provider")
    _token, ticket = accounts.create_session(user_id=outcome.user.id, browser_secret=browser_secret)
    redeemed = accounts.redeem_ticket(ticket, browser_secret=browser_secret)
    response = _redirect(safe_next(pending.next_path))
    if redeemed is not None:
        set_session_cookie(response, request, *redeemed)
    return response
