"""The gateway's guard without Ray: the real FastAPI app, access tokens signed with a known
secret. Every refusal here happens before any route (or actor) is reached."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from actors.auth.tokens import AccessTokens
from configs.settings import load_settings
from protocols.auth import Role
from serve_app.access import ADMIN_API, PUBLIC_API, READ_ONLY_POSTS_API, route_key, rule_for
from serve_app.gateway import app
from serve_app.routers.ui import inline_config_script
from serve_app.security import GatewayAuth, content_security_policy, gateway_auth, ui_script_hash

SECRET = b"k" * 32


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    from serve_app.deps import current_settings

    app.state.settings = load_settings()
    settings = current_settings(app)  # (settings another test installed win)
    auth = gateway_auth(settings)
    auth._tokens = AccessTokens(SECRET, settings.auth.issuer, 900)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def token(role: Role) -> str:
    return AccessTokens(SECRET, "pygent", 900).issue("u-" + role.value, role.value, role)


def operations() -> list[tuple[str, str]]:
    doc = app.openapi()
    return [
        (m.upper(), p)
        for p, item in doc["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_the_openapi_document_marks_what_needs_credentials() -> None:
    doc = app.openapi()
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "cookie"}
    public = {f"{m} {p}" for m, p in operations() if doc["paths"][p][m.lower()]["security"] == []}
    assert public == {f"{k.split()[0]} /api/v1{k.split()[1]}" for k in PUBLIC_API}


def test_every_protected_operation_refuses_an_anonymous_caller(client: TestClient) -> None:
    protected = [(m, p) for m, p in operations() if not rule_for(m, p, True).public]
    assert len(protected) > 100
    for method, path in protected:
        answer = client.request(method, concrete(path), json={})
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_forged_or_expired_token_is_refused(client: TestClient) -> None:
    forged = AccessTokens(b"x" * 32, "pygent", 900).issue("u1", "mallory", Role.ADMIN)
    assert client.get("/api/v1/system/tree", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    old = AccessTokens(SECRET, "pygent", 60).issue("u1", "a", Role.ADMIN, now=1_000_000)
    answer = client.get("/api/v1/system/tree", headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 401 and answer.json()["code"] == "token_expired"


def test_viewers_cannot_mutate_and_only_admins_reach_admin_routes(client: TestClient) -> None:
    viewer = {"Authorization": f"Bearer {token(Role.VIEWER)}"}
    user = {"Authorization": f"Bearer {token(Role.USER)}"}
    mutating = [(m, p) for m, p in operations() if m != "GET" and not rule_for(m, p, True).public]
    refused_viewer = 0
    for method, path in mutating:
        key, _ = route_key(method, path)
        if key in READ_ONLY_POSTS_API:
            continue
        answer = client.request(method, concrete(path), json={}, headers=viewer)
        assert answer.status_code == 403, (method, path, answer.text)
        refused_viewer += 1
    assert refused_viewer > 50
    for key in ADMIN_API:
        method, path = key.split(" ", 1)
        answer = client.request(method, concrete("/api/v1" + path), json={}, headers=user)
        assert answer.status_code == 403, (key, answer.text)


def test_cookie_credentials_from_another_site_cannot_mutate(client: TestClient) -> None:
    cookies = {"pygent_access": token(Role.ADMIN)}
    client.cookies.update(cookies)
    try:
        answer = client.post("/api/v1/system/kill", json={}, headers={"Origin": "https://evil.example"})
        assert answer.status_code == 403 and answer.json()["field"] == "header.origin"
    finally:
        client.cookies.clear()


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for answer in (client.get("/"), client.get("/api/v1/system/tree"), client.get("/docs")):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in answer.headers  # plain HTTP
    csp = client.get("/").headers["content-security-policy"]
    assert csp.startswith("default-src 'self'") and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    https = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_csp_allows_exactly_the_ui_inline_script() -> None:
    import base64
    import hashlib

    settings = load_settings()
    script = inline_config_script(settings)
    expected = "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
    assert ui_script_hash(settings) == expected
    assert expected in content_security_policy(settings, docs=False)


def test_a_body_over_the_cap_is_413(client: TestClient) -> None:
    limit = load_settings().auth.max_body_bytes
    headers = {"Authorization": f"Bearer {token(Role.ADMIN)}", "Content-Length": str(limit + 1)}
    answer = client.post("/api/v1/search/documents", content=b"x" * (limit + 1), headers=headers)
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"


def test_rate_limits_answer_429_with_retry_after(client: TestClient) -> None:
    settings = load_settings(auth={"rate_limit": "3/minute", "login_rate_limit": "2/minute"})
    auth = gateway_auth(settings)
    assert [auth.limited(False, "user:a") for _ in range(3)] == [None, None, None]
    wait = auth.limited(False, "user:a")
    assert wait is not None and 1 <= wait <= 60
    assert auth.limited(False, "user:b") is None  # per user
    assert auth.limited(True, "ip:1") is None and auth.limited(True, "ip:1") is None
    assert auth.limited(True, "ip:1") is not None


def test_each_gateway_replica_enforces_its_share_of_a_limit() -> None:
    """Two replicas, a client's requests spread over both: together about the limit, not twice it."""
    settings = load_settings(auth={"rate_limit": "6/minute", "login_rate_limit": "3/minute"})
    replicas = [GatewayAuth(settings, replicas=2) for _ in range(2)]
    answered = [replicas[n % 2].limited(False, "user:a") is None for n in range(12)]
    assert answered == [True] * 6 + [False] * 6
    logins = [replicas[n % 2].limited(True, "ip:1") is None for n in range(6)]
    assert sum(logins) == 4  # 3/minute: a share of 2 each, rounded up
    alone = GatewayAuth(settings)  # one replica: the whole limit
    assert sum(alone.limited(False, "user:a") is None for _ in range(12)) == 6


def test_anonymous_websocket_is_refused(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
        pass
    assert refused.value.code == 1008
