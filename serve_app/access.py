"""Who may call what, in one place: the public routes, the admin-only routes, the POST routes
that only read, and the rule for viewers. serve_app/security.py enforces it on every request
(REST, /ws, /mcp, the UI); the OpenAPI document is marked from it too.

Routes are named by method and path template as FastAPI declares them, without the API prefix
for /api/v1 routes ("POST /system/kill"), with it for everything else ("GET /docs").
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.auth import Principal, Role

API = "/api/v1"

# Reachable without credentials. Setup answers only while no user exists (the engine refuses
# otherwise); logout revokes the refresh cookie it is sent, whoever sends it.
PUBLIC_API = frozenset(
    {
        "GET /health",
        "POST /auth/login",
        "POST /auth/refresh",
        "POST /auth/logout",
        "GET /auth/setup",
        "POST /auth/setup",
        "GET /ui/config",
    }
)
# The UI's files (the catch-all static routes).
PUBLIC_OTHER = frozenset({"GET /", "GET /{path:path}", "HEAD /", "HEAD /{path:path}"})
DOCS = frozenset({"GET /docs", "GET /docs/oauth2-redirect", "GET /redoc", "GET /openapi.json"})
# Per client IP, the login rate limit (auth.login_rate_limit), not the per-user one.
LOGIN_LIMITED = frozenset({"POST /auth/login", "POST /auth/refresh", "POST /auth/setup"})

# Only admins (an API key needs the admin scope too): what installs or runs code, what
# removes models, chaos, raw bus access (it reaches every actor's tools), users, the audit log,
# and what every user shares: the reasoning defaults, the evolution recipe library.
ADMIN_API = frozenset(
    {
        "POST /mcp/servers",
        "POST /mcp/servers/install",
        "DELETE /mcp/servers/{server_id}",
        "POST /mcp/servers/{server_id}/start",
        "POST /mcp/servers/{server_id}/stop",
        "POST /mcp/servers/{server_id}/restart",
        "POST /models",
        "DELETE /models/{name}",
        "POST /ollama/models/pull",
        "POST /ollama/models/create",
        "DELETE /ollama/models/{name}",
        "POST /system/kill",
        "POST /bus/request",
        "POST /bus/publish",
        "POST /reasoning/modes",
        "DELETE /evolution/recipes/{recipe_id}",
        "GET /users",
        "POST /users",
        "GET /users/{user_id}",
        "PATCH /users/{user_id}",
        "DELETE /users/{user_id}",
        "GET /audit",
    }
)
# Ollama's own paths that pull, create or delete models.
ADMIN_OTHER = frozenset({"POST /api/pull", "POST /api/create", "DELETE /api/delete"})

# POST routes that change nothing (a query in a body): viewers may call them.
READ_ONLY_POSTS_API = frozenset(
    {
        "POST /search/semantic",
        "POST /search/keyword",
        "POST /search/hybrid",
        "POST /search/batch",
        "POST /memory/search",
        "POST /models/recommendations",
        "POST /auth/logout",
    }
)
# /mcp: every JSON-RPC call is a POST; each tool checks the caller's role itself (mcp_endpoint.py),
# so a viewer or a read-scoped key may list tools and call the reading ones.
READ_ONLY_POSTS_OTHER = frozenset({"POST /mcp"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# /ws messages: raw bus requests and MCP server control are admin-only (as over REST); these
# only read or stop one's own stream; everything else (chat, reasoning) needs at least a user.
WS_ADMIN = frozenset({"request", "mcp_server_action"})
WS_READ = frozenset({"ping", "subscribe", "unsubscribe", "stop", "request_system_metrics"})


# /mcp tools that change something (start work, run an agent or a managed server's tool): a
# viewer or a read-scoped key is refused with the JSON-RPC error MCP_FORBIDDEN. The others read
# (and see only the caller's objects).
MCP_WRITE_TOOLS = frozenset(
    {"ask_agent", "call_mcp_tool", "reasoning", "research", "evolution.start", "evolution.stop"}
)


def mcp_refusal(principal: Principal | None, tool: str) -> str | None:
    """Why this caller may not call this /mcp tool ("evolution.start": the action), or None."""
    if principal is None:
        return "not authenticated"
    return refusal(principal, Rule(read_only=tool not in MCP_WRITE_TOOLS))


def ws_refusal(principal: Principal | None, message_type: str) -> str | None:
    """Why this caller may not send this /ws message, or None."""
    if principal is None:
        return "not authenticated"
    return refusal(principal, Rule(admin=message_type in WS_ADMIN, read_only=message_type in WS_READ))


def route_key(method: str, template: str) -> tuple[str, bool]:
    """("POST /system/kill", True) for an /api/v1 route, ("GET /docs", False) for others."""
    if template == API or template.startswith(API + "/"):
        return f"{method} {template[len(API) :]}", True
    return f"{method} {template}", False


@dataclass(frozen=True)
class Rule:
    public: bool = False
    admin: bool = False
    read_only: bool = False
    login_limited: bool = False


def rule_for(method: str, template: str | None, public_docs: bool) -> Rule:
    """The rule for a request matched to a route template (None: no route matched; it still
    needs credentials, so an anonymous caller learns nothing about which paths exist)."""
    if template is None:
        return Rule(read_only=method in READ_METHODS)
    key, api = route_key(method, template)
    if api:
        return Rule(
            public=key in PUBLIC_API,
            admin=key in ADMIN_API,
            read_only=method in READ_METHODS or key in READ_ONLY_POSTS_API,
            login_limited=key in LOGIN_LIMITED,
        )
    return Rule(
        public=key in PUBLIC_OTHER or (public_docs and key in DOCS),
        admin=key in ADMIN_OTHER,
        read_only=method in READ_METHODS or key in READ_ONLY_POSTS_OTHER,
    )


def refusal(principal: Principal, rule: Rule) -> str | None:
    """Why this principal may not make this request, or None."""
    if rule.admin and principal.role is not Role.ADMIN:
        return "only an admin may do this"
    if not rule.read_only and principal.role is Role.VIEWER:
        return "a viewer may only read"
    return None
