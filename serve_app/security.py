"""Authentication, authorization, rate limits, body size and security headers for every request
the gateway answers (REST, /ws, /mcp, the UI, /docs): two ASGI middlewares around the app.

`Guard` finds the route a request goes to, applies its rule (serve_app/access.py), and puts the
caller (a `Principal`) in the scope for the routes (`deps.CurrentPrincipal`). Credentials, in
this order: `Authorization: Bearer <API key or access token>`, on /ws also `?token=`, then the
UI's httpOnly `pygent_access` cookie. Access tokens are verified here (no call out); API keys by
`auth/main`, each answer cached for `auth.key_cache_s`. Routers added later are covered with no
edit: anything not declared public needs a caller.

`SecurityHeaders` adds CSP, nosniff, frame-ancestors, Referrer-Policy (and HSTS over TLS) to
every answer, the refusals included; CORS answers only the configured origins.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.routing import APIWebSocketRoute
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.routing import WebSocketRoute, compile_path

from actors.auth.tokens import AccessTokens, sha256
from configs.settings import Settings
from protocols.addresses import AUTH
from protocols.auth import API_KEY_PREFIX, AuthError, Principal
from protocols.errors import PlatformError
from serve_app import deps
from serve_app.access import Rule, refusal, rule_for

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

PRINCIPAL_KEY = "pygent.principal"
ACCESS_COOKIE = "pygent_access"
REFRESH_COOKIE = "pygent_refresh"


def replica_share(limit: RateLimitItem, replicas: int) -> RateLimitItem:
    """The part of a limit one of `replicas` gateway replicas enforces. Serve spreads a client's
    requests over the replicas, each counting in its own memory: with the whole limit each, a
    client could get `replicas` times the rate; with a share each, about the limit (each share
    rounded up), and no less than one share were every request to reach the same replica."""
    if replicas <= 1:
        return limit
    amount = max(1, math.ceil(limit.amount / replicas))
    return type(limit)(amount, limit.multiples, limit.namespace)


class GatewayAuth:
    """One per replica: the access-token verifier (the secret comes from auth/main, once), the
    API-key cache and the rate limiters (each replica enforces its share of the limits)."""

    def __init__(self, settings: Settings, replicas: int = 1) -> None:
        self.settings = settings
        self._tokens: AccessTokens | None = None
        self._keys: dict[str, tuple[Principal, float]] = {}
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._request_limit: RateLimitItem = replica_share(parse(settings.auth.rate_limit), replicas)
        self._login_limit: RateLimitItem = replica_share(parse(settings.auth.login_rate_limit), replicas)
        self._pending: set[asyncio.Future[Any]] = set()

    @property
    def auth_ref(self) -> Any:
        return deps.actor_ref(self.settings, AUTH)

    async def tokens(self) -> AccessTokens:
        if self._tokens is None:
            secret = await deps.ask(self.auth_ref, "signing_key", timeout_s=30, wait_s=30)
            a = self.settings.auth
            self._tokens = AccessTokens(secret, a.issuer, a.access_token_ttl_s)
        return self._tokens

    async def verify(self, credential: str) -> Principal:
        """An API key or an access token; AuthError when it is neither valid."""
        if not credential.startswith(API_KEY_PREFIX):
            return (await self.tokens()).verify(credential)
        digest = sha256(credential)
        cached = self._keys.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            principal: Principal = await deps.ask(self.auth_ref, "verify_api_key", credential, timeout_s=10, wait_s=10)
        except AuthError:
            self._keys.pop(digest, None)
            raise
        except PlatformError as err:
            # auth/main or its database is away (a restart, an outage): a key this replica checked
            # before keeps working meanwhile (nothing can revoke it while the store is down)
            if cached is not None and err.status in (503, 504):
                return cached[0]
            raise
        if len(self._keys) > 10000:
            self._keys = {k: v for k, v in self._keys.items() if v[1] > now}
        self._keys[digest] = (principal, now + self.settings.auth.key_cache_s)
        return principal

    def record(self, principal: Principal, action: str, target: str, status: int, ip: str) -> None:
        """An audit entry, written in the background (the answer does not wait for it)."""
        if "/users" in action or "/api-keys" in action:
            return  # the engine records these with their details
        outcome = "ok" if status < 400 else ("denied" if status in (401, 403) else "failed")
        detail = {"status": status, "key_id": principal.key_id} if principal.key_id else {"status": status}
        call = deps.ask(self.auth_ref, "audit", principal.user_id, action, target, outcome, ip, detail, timeout_s=10)
        task = asyncio.ensure_future(call)
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:  # best effort: log, never raise
            log.warning("audit entry not written: %s", task.exception())

    def forget_keys(self) -> None:
        """After a revocation through this replica: stop trusting cached keys at once."""
        self._keys.clear()

    def limited(self, login: bool, key: str) -> int | None:
        """Count a hit; the seconds to wait when over the limit, else None."""
        item = self._login_limit if login else self._request_limit
        if self._limiter.hit(item, key):
            return None
        reset = self._limiter.get_window_stats(item, key).reset_time
        return max(1, math.ceil(reset - time.time()))


_auth: dict[int, GatewayAuth] = {}


def gateway_auth(settings: Settings) -> GatewayAuth:
    found = _auth.get(id(settings))
    if found is None:
        _auth.clear()
        found = _auth[id(settings)] = GatewayAuth(settings, deps.shared_or("replicas", 1))
    return found


def current_principal(scope: Scope) -> Principal | None:
    found = scope.get(PRINCIPAL_KEY)
    return found if isinstance(found, Principal) else None


@dataclass(frozen=True)
class _Entry:
    regex: re.Pattern[str]
    methods: frozenset[str] | None  # None: a WebSocket route
    template: str


_tables: dict[int, list[_Entry]] = {}


def _route_table(app: Any) -> list[_Entry]:
    """Every route of the app, flattened (included routers too), in routing order."""
    found = _tables.get(id(app))
    if found is not None:
        return found
    entries: list[_Entry] = []
    for route in getattr(getattr(app, "router", None), "routes", ()):
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            original = getattr(ctx, "original_route", ctx)
            template = getattr(getattr(ctx, "starlette_route", None), "path", None) or getattr(ctx, "path", "")
            if not template:
                continue
            methods = getattr(original, "methods", None)
            websocket = methods is None or isinstance(original, (WebSocketRoute, APIWebSocketRoute))
            entries.append(_Entry(compile_path(template)[0], None if websocket else frozenset(methods or ()), template))
    _tables[id(app)] = entries
    return entries


def route_template(scope: Scope) -> str | None:
    """The path template of the route this request goes to (None: no route takes it)."""
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    websocket = scope["type"] == "websocket"
    method = scope.get("method", "GET")
    for entry in _route_table(scope.get("app")):
        if (entry.methods is None) != websocket or not entry.regex.match(path):
            continue
        if entry.methods is None or method in entry.methods:
            return entry.template
    return None


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def credential_of(scope: Scope, headers: dict[str, str]) -> tuple[str | None, bool]:
    """(the credential, whether it came from the cookie)."""
    header = headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None, False
    if scope["type"] == "websocket":
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        if token:
            return token[0], False
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no credential
        return None, False
    morsel = cookie.get(ACCESS_COOKIE)
    return (morsel.value or None, True) if morsel is not None else (None, False)


def _same_origin(origin: str, headers: dict[str, str], allowed: list[str]) -> bool:
    if origin in allowed:
        return True
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    return urlsplit(origin).netloc == host


class Guard:
    """Authentication, the access rules, rate limits and the body size cap."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        settings = deps.current_settings(scope.get("app"))
        auth = gateway_auth(settings)
        method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
        rule = rule_for(method, route_template(scope), settings.auth.public_docs)
        headers = _headers(scope)
        ip = client_ip(scope)
        limit = settings.auth.max_body_bytes
        if scope["type"] == "http" and _too_long(headers, limit):
            await _refuse(scope, receive, send, PlatformError("payload_too_large", _too_large(limit), "body", 413))
            return
        try:
            principal = await self._authenticate(scope, headers, rule, auth, ip)
        except PlatformError as err:
            await _refuse(scope, receive, send, err)
            return
        scope[PRINCIPAL_KEY] = principal
        body = _capped(receive, limit) if scope["type"] == "http" else receive
        if principal is None or not _audited(method, rule):
            await self.app(scope, body, send)
            return
        status = {"code": 500}

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, body, watched)
        finally:
            template = route_template(scope) or str(scope.get("path", ""))
            auth.record(principal, f"{method} {template}", str(scope.get("path", "")), status["code"], ip)

    async def _authenticate(
        self, scope: Scope, headers: dict[str, str], rule: Rule, auth: GatewayAuth, ip: str
    ) -> Principal | None:
        credential, from_cookie = credential_of(scope, headers)
        principal: Principal | None = None
        if credential is not None:
            try:
                principal = await auth.verify(credential)
            except PlatformError as err:
                if not isinstance(err, AuthError):
                    if rule.public:  # liveness answers even while credentials cannot be checked
                        return None
                    raise
                # a wrong credential counts against the caller's IP, like a failed login
                wait = auth.limited(True, f"ip:{ip}")
                if wait is not None:
                    raise _rate_limited(wait) from None
                if not rule.public:
                    raise
        if rule.login_limited:
            wait = auth.limited(True, f"ip:{ip}")
            if wait is not None:
                raise _rate_limited(wait)
        if principal is None:
            if rule.public:
                return None
            raise AuthError("unauthenticated", "log in or send an API key (Authorization: Bearer ...)")
        reason = refusal(principal, rule)
        if reason is not None:
            raise PlatformError("forbidden", reason, None, 403)
        origin = headers.get("origin")
        if (
            from_cookie
            and not rule.read_only
            and origin
            and not _same_origin(origin, headers, auth.settings.auth.cors_origins)
        ):
            raise PlatformError("forbidden", f"cross-site request from {origin} refused", "header.origin", 403)
        if not rule.public:
            wait = auth.limited(False, f"key:{principal.key_id}" if principal.key_id else f"user:{principal.user_id}")
            if wait is not None:
                raise _rate_limited(wait)
        return principal


def _audited(method: str, rule: Rule) -> bool:
    """What the audit log records from the gateway: admin-only changes (MCP installs and
    control, models, kills, raw bus) and every deletion. Logins, keys and user changes are
    recorded by the identity engine itself."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    return method == "DELETE" or rule.admin


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


def _too_long(headers: dict[str, str], limit: int) -> bool:
    try:
        return int(headers.get("content-length", "0")) > limit
    except ValueError:
        return False


def _capped(receive: Receive, limit: int) -> Receive:
    """A body sent without a length (chunked) is counted as it arrives."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise PlatformError("payload_too_large", _too_large(limit), "body", 413)
        return message

    return counted


def _rate_limited(wait: int) -> PlatformError:
    return PlatformError("rate_limited", f"too many requests: retry in {wait} s", None, 429, {"retry_after_s": wait})


async def _refuse(scope: Scope, receive: Receive, send: Send, err: PlatformError) -> None:
    if scope["type"] == "websocket":
        # Before accept: the handshake is refused (HTTP 403 to the client).
        await send({"type": "websocket.close", "code": 1008, "reason": err.message[:120]})
        return
    from serve_app.errors import outside_client_style

    style = outside_client_style(Request(scope))
    status, body = style(err) if style is not None else (err.status, err.to_dict())
    headers = [(b"content-type", b"application/json")]
    if err.status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="pygent"'))
    if err.status == 429:
        headers.append((b"retry-after", str(err.extra.get("retry_after_s", 1)).encode()))
    payload = json.dumps(body).encode()
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


# ---- headers on every answer -----------------------------------------------------------------


def ui_script_hash(settings: Settings) -> str:
    """The CSP hash of the one inline script the UI's index.html gets (routers/ui.py)."""
    from serve_app.routers.ui import inline_config_script

    digest = hashlib.sha256(inline_config_script(settings).encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def content_security_policy(settings: Settings, docs: bool) -> str:
    script = f"'self' {ui_script_hash(settings)}"
    style = "'self' 'unsafe-inline'"
    img = "'self' data:"
    if docs:  # Swagger UI and ReDoc load from their CDN and run an inline script
        cdn = "https://cdn.jsdelivr.net"
        script, style, img = f"'self' 'unsafe-inline' {cdn}", f"{style} {cdn}", f"{img} https://fastapi.tiangolo.com"
    return (
        f"default-src 'self'; script-src {script}; style-src {style}; img-src {img}; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


_DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """CSP, nosniff, frame-ancestors, Referrer-Policy, HSTS over TLS; CORS for configured origins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cors: tuple[int, ASGIApp] | None = None
        self._csp: dict[bool, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = deps.current_settings(scope.get("app"))
        if not self._csp or self._cors is None or self._cors[0] != id(settings):
            self._csp = {d: content_security_policy(settings, d).encode() for d in (False, True)}
            inner: ASGIApp = self.app
            if settings.auth.cors_origins:
                inner = CORSMiddleware(  # type: ignore[assignment]
                    self.app,
                    allow_origins=settings.auth.cors_origins,
                    allow_credentials=True,
                    allow_methods=["*"],
                    allow_headers=["authorization", "content-type", "x-pygent-conversation-id"],
                )
            self._cors = (id(settings), inner)
        path = str(scope.get("path", ""))
        root = str(scope.get("root_path", ""))
        if root and path.startswith(root):
            path = path[len(root) :]
        csp = self._csp[path.startswith(_DOCS_PATHS)]
        headers = _headers(scope)
        tls = scope.get("scheme") == "https" or headers.get("x-forwarded-proto") == "https"
        hsts = settings.auth.hsts_max_age_s

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if tls and hsts:
                    extra.append((b"strict-transport-security", f"max-age={hsts}; includeSubDomains".encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self._cors[1](scope, receive, with_headers)
