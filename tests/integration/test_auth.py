"""Authentication and authorization on the running platform: every protected operation refuses
an anonymous caller, viewers cannot change anything, sessions rotate and detect reuse, keys
have scopes and expiry, /ws and /mcp refuse without credentials, logins are rate limited,
and the audit log records it all."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from serve_app.access import READ_ONLY_POSTS_API, route_key, rule_for
from tests.integration import authed
from tests.integration.conftest import login

pytestmark = pytest.mark.integration

PASSWORD = "a long enough password"


def api(platform: str, path: str) -> str:
    return platform + "api/v1" + path


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def operations(platform: str) -> list[tuple[str, str]]:
    doc = httpx.get(platform + "openapi.json", timeout=30).json()
    return [
        (m.upper(), p)
        for p, item in doc["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture(scope="module")
def people(platform: str) -> dict[str, dict[str, Any]]:
    """A user and a viewer besides the session admin, each logged in."""
    made: dict[str, dict[str, Any]] = {}
    for role in ("user", "viewer"):
        name = f"{role}-{secrets.token_hex(3)}"
        created = authed.post(api(platform, "/users"), json={"username": name, "password": PASSWORD, "role": role})
        assert created.status_code == 201, created.text
        token = login(platform, name, PASSWORD)
        made[role] = {"id": created.json()["id"], "name": name, "headers": {"Authorization": f"Bearer {token}"}}
    return made


def test_every_protected_operation_refuses_an_anonymous_caller(platform: str) -> None:
    protected = [(m, p) for m, p in operations(platform) if not rule_for(m, p, True).public]
    refused = []
    for method, path in protected:
        answer = httpx.request(method, platform.rstrip("/") + concrete(path), json={}, timeout=30)
        assert answer.status_code == 401, (method, path, answer.status_code, answer.text[:200])
        refused.append(path)
    print(f"\n{len(refused)} protected operations, every one 401 without credentials")
    assert len(refused) > 100
    # what stays public: liveness, login, the UI's files
    assert httpx.get(api(platform, "/health"), timeout=30).status_code == 200
    assert httpx.get(platform, timeout=30).status_code == 200


def test_security_headers_on_the_ui(platform: str) -> None:
    answer = httpx.get(platform, timeout=30)
    headers = {k: v for k, v in answer.headers.items() if k in _SECURITY_HEADERS}
    print("\nheaders on /:", headers)
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    refused = httpx.get(api(platform, "/system/tree"), timeout=30)
    assert refused.headers["x-content-type-options"] == "nosniff"
    # no CORS allow-list by default: a foreign origin gets no CORS grant
    preflight = httpx.options(
        api(platform, "/system/tree"),
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert "access-control-allow-origin" not in preflight.headers


_SECURITY_HEADERS = {
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "strict-transport-security",
    "cross-origin-opener-policy",
}


def test_setup_is_closed_once_an_admin_exists(platform: str) -> None:
    assert httpx.get(api(platform, "/auth/setup"), timeout=30).json() == {"needs_setup": False}
    again = httpx.post(api(platform, "/auth/setup"), json={"username": "late", "password": PASSWORD}, timeout=60)
    assert again.status_code == 409 and again.json()["code"] == "already_set_up"


def test_me_and_roles(platform: str, people: dict[str, dict[str, Any]]) -> None:
    me = httpx.get(api(platform, "/auth/me"), headers=people["viewer"]["headers"], timeout=30).json()
    assert me["role"] == "viewer" and me["kind"] == "user"
    assert authed.get(api(platform, "/auth/me")).json()["role"] == "admin"


def test_a_viewer_may_read_but_not_change_anything(platform: str, people: dict[str, dict[str, Any]]) -> None:
    viewer = people["viewer"]["headers"]
    assert httpx.get(api(platform, "/system/tree"), headers=viewer, timeout=30).status_code == 200
    refused = 0
    for method, path in operations(platform):
        rule = rule_for(method, path, True)
        if method == "GET" or rule.public or route_key(method, path)[0] in READ_ONLY_POSTS_API:
            continue
        answer = httpx.request(method, platform.rstrip("/") + concrete(path), json={}, headers=viewer, timeout=30)
        assert answer.status_code == 403, (method, path, answer.status_code, answer.text[:200])
        refused += 1
    print(f"\n{refused} mutating operations refused to a viewer")
    assert refused > 50


def test_only_admins_install_kill_and_manage_users(platform: str, people: dict[str, dict[str, Any]]) -> None:
    user = people["user"]["headers"]
    for method, path, body in (
        ("POST", "/mcp/servers/install", {"server_id": "time"}),
        ("POST", "/system/kill", {"address": "monitor/main"}),
        ("DELETE", "/models/smollm2:135m", None),
        ("GET", "/users", None),
        ("GET", "/audit", None),
        ("POST", "/bus/request", {"to": "store/main", "message": {}}),
    ):
        answer = httpx.request(method, api(platform, path), json=body, headers=user, timeout=30)
        assert answer.status_code == 403, (method, path, answer.text)
    # what a user may do: read, and create things of their own
    assert httpx.get(api(platform, "/agents"), headers=user, timeout=30).status_code == 200


def test_refresh_rotates_and_a_reused_token_revokes_the_session(
    platform: str, people: dict[str, dict[str, Any]]
) -> None:
    name = people["user"]["name"]
    with httpx.Client(base_url=platform, timeout=60) as browser:
        logged_in = browser.post("api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert logged_in.status_code == 200
        set_cookie = logged_in.headers.get_list("set-cookie")
        assert any("pygent_refresh=" in c and "HttpOnly" in c and "SameSite=strict" in c for c in set_cookie)
        first = browser.cookies.get("pygent_refresh")
        assert browser.get("api/v1/auth/me").json()["username"] == name  # the access cookie
        rotated = browser.post("api/v1/auth/refresh")
        assert rotated.status_code == 200 and browser.cookies.get("pygent_refresh") != first
        second = browser.cookies.get("pygent_refresh")
        # the first token again (a thief replaying it): refused, and the whole session is revoked
        thief = httpx.post(api(platform, "/auth/refresh"), cookies={"pygent_refresh": first}, timeout=60)
        assert thief.status_code == 401 and thief.json()["code"] == "refresh_reused"
        after = httpx.post(api(platform, "/auth/refresh"), cookies={"pygent_refresh": second}, timeout=60)
        assert after.status_code == 401
    # logout revokes
    with httpx.Client(base_url=platform, timeout=60) as browser:
        browser.post("api/v1/auth/login", json={"username": name, "password": PASSWORD})
        token = browser.cookies.get("pygent_refresh")
        assert browser.post("api/v1/auth/logout").status_code == 200
        assert (
            httpx.post(api(platform, "/auth/refresh"), cookies={"pygent_refresh": token}, timeout=60).status_code == 401
        )


def test_api_keys_have_scopes_expiry_and_can_be_revoked(platform: str, people: dict[str, dict[str, Any]]) -> None:
    user = people["user"]["headers"]
    read = httpx.post(api(platform, "/api-keys"), json={"name": "ro", "scopes": ["read"]}, headers=user, timeout=60)
    assert read.status_code == 201
    key = read.json()["key"]
    assert key.startswith("pgk_") and all(
        "key" not in k for k in httpx.get(api(platform, "/api-keys"), headers=user, timeout=30).json()["keys"]
    )
    as_key = {"Authorization": f"Bearer {key}"}
    assert httpx.get(api(platform, "/agents"), headers=as_key, timeout=30).status_code == 200
    assert httpx.post(api(platform, "/agents"), json={"type": "general"}, headers=as_key, timeout=30).status_code == 403
    # a user cannot mint an admin key
    too_much = httpx.post(api(platform, "/api-keys"), json={"name": "x", "scopes": ["admin"]}, headers=user, timeout=60)
    assert too_much.status_code == 403
    # an admin's read-only key is read-only too
    admin_read_key = authed.post(api(platform, "/api-keys"), json={"name": "admin-ro", "scopes": ["read"]}).json()
    admin_read = admin_read_key["key"]
    kill = httpx.post(
        api(platform, "/system/kill"),
        json={"address": "monitor/main"},
        headers={"Authorization": f"Bearer {admin_read}"},
        timeout=30,
    )
    assert kill.status_code == 403
    # expiry
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    expiring = httpx.post(
        api(platform, "/api-keys"),
        json={"name": "brief", "scopes": ["read"], "expires_at": soon},
        headers=user,
        timeout=60,
    ).json()
    short = {"Authorization": f"Bearer {expiring['key']}"}
    assert httpx.get(api(platform, "/agents"), headers=short, timeout=30).status_code == 200
    time.sleep(4 + 5)  # past the expiry and the gateway's key cache (auth.key_cache_s)
    expired = httpx.get(api(platform, "/agents"), headers=short, timeout=30)
    assert expired.status_code == 401 and expired.json()["code"] == "key_expired"
    # revocation (through the same gateway: effective at once)
    revoked = httpx.delete(api(platform, f"/api-keys/{read.json()['id']}"), headers=user, timeout=30)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert httpx.get(api(platform, "/agents"), headers=as_key, timeout=30).status_code == 401
    # another user's key is not found
    other = httpx.delete(api(platform, f"/api-keys/{admin_read_key['id']}"), headers=user, timeout=30)
    assert other.status_code == 404


def test_agents_and_conversations_belong_to_their_owner(platform: str, people: dict[str, dict[str, Any]]) -> None:
    owner = people["user"]["headers"]
    other_name = f"other-{secrets.token_hex(3)}"
    made = authed.post(api(platform, "/users"), json={"username": other_name, "password": PASSWORD, "role": "user"})
    assert made.status_code == 201
    other = {"Authorization": f"Bearer {login(platform, other_name, PASSWORD)}"}
    agent = httpx.post(api(platform, "/agents"), json={"type": "general", "name": "mine"}, headers=owner, timeout=120)
    assert agent.status_code == 201, agent.text
    agent_id = agent.json()["id"]
    talk = httpx.post(api(platform, "/chat/conversations"), json={"title": "private"}, headers=owner, timeout=60)
    assert talk.status_code == 201
    talk_id = talk.json()["id"]
    try:
        # the owner sees them; another user gets 404 everywhere; lists show only one's own
        assert httpx.get(api(platform, f"/agents/{agent_id}"), headers=owner, timeout=30).status_code == 200
        for method, path in (
            ("GET", f"/agents/{agent_id}"),
            ("GET", f"/agents/{agent_id}/status"),
            ("POST", f"/agents/{agent_id}/message"),
            ("DELETE", f"/agents/{agent_id}"),
            ("GET", f"/chat/history?conversation_id={talk_id}"),
            ("GET", f"/chat/export?conversation_id={talk_id}"),
            ("DELETE", f"/chat/conversations/{talk_id}"),
        ):
            body = {"message": "hi"} if method == "POST" else None
            answer = httpx.request(method, api(platform, path), json=body, headers=other, timeout=60)
            assert answer.status_code == 404, (method, path, answer.text)
        chat = httpx.post(
            api(platform, "/chat/message"),
            json={"message": "hi", "conversation_id": talk_id},
            headers=other,
            timeout=60,
        )
        assert chat.status_code == 404 and chat.json()["field"] == "body.conversation_id"
        listed = httpx.get(api(platform, "/agents"), headers=other, timeout=30).json()["agents"]
        assert agent_id not in {a["id"] for a in listed}
        mine = httpx.get(api(platform, "/agents"), headers=owner, timeout=30).json()["agents"]
        assert agent_id in {a["id"] for a in mine}
        talks = httpx.get(api(platform, "/chat/conversations"), headers=other, timeout=30).json()["conversations"]
        assert talk_id not in {c["id"] for c in talks}
        # admins see everything
        assert authed.get(api(platform, f"/agents/{agent_id}")).status_code == 200
        assert talk_id in {c["id"] for c in authed.get(api(platform, "/chat/conversations")).json()["conversations"]}
    finally:
        assert httpx.delete(api(platform, f"/agents/{agent_id}"), headers=owner, timeout=120).status_code == 200
        httpx.delete(api(platform, f"/chat/conversations/{talk_id}"), headers=owner, timeout=60)


def test_the_websocket_needs_credentials(platform: str, admin_key: str, admin_token: str) -> None:
    url = platform.replace("http://", "ws://") + "ws"
    with pytest.raises(InvalidStatus):
        ws_connect(url, open_timeout=30)
    with pytest.raises(InvalidStatus):
        ws_connect(url + "?token=not-a-token", open_timeout=30)
    for ws in (
        ws_connect(url + f"?token={admin_token}", open_timeout=30),
        ws_connect(url, open_timeout=30, additional_headers={"Authorization": f"Bearer {admin_key}"}),
        ws_connect(url, open_timeout=30, additional_headers={"Cookie": f"pygent_access={admin_token}"}),
    ):
        with ws:
            assert '"connected"' in str(ws.recv(timeout=30))


def test_the_mcp_endpoint_needs_an_api_key(platform: str, admin_key: str) -> None:
    async def tools(headers: dict[str, str]) -> set[str]:
        async with authed.mcp_client(platform + "mcp", headers=headers) as client:
            return {t.name for t in (await client.list_tools()).tools}

    assert "supervision_tree" in asyncio.run(tools({"Authorization": f"Bearer {admin_key}"}))
    with pytest.raises(Exception):  # noqa: B017 (the SDK's own error for a 401 answer)
        asyncio.run(tools({}))
    raw = httpx.post(platform + "mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, timeout=30)
    assert raw.status_code == 401


def test_the_audit_log_records_logins_keys_and_admin_actions(platform: str, people: dict[str, dict[str, Any]]) -> None:
    killed = authed.post(api(platform, "/system/kill"), json={"address": "monitor/main"}, timeout=60)
    assert killed.status_code == 200
    deadline = time.monotonic() + 30
    while True:
        entries = authed.get(api(platform, "/audit"), params={"limit": 1000}).json()["entries"]
        actions = {e["action"] for e in entries}
        if "POST /api/v1/system/kill" in actions or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert {"login", "key.create", "user.create", "POST /api/v1/system/kill"} <= actions
    assert any(e["action"] == "login" and e["outcome"] == "ok" for e in entries)


def test_failed_logins_back_off_per_account_and_per_ip(platform: str, people: dict[str, dict[str, Any]]) -> None:
    name = people["viewer"]["name"]
    statuses = []
    for _ in range(7):
        answer = httpx.post(
            api(platform, "/auth/login"), json={"username": name, "password": "wrong password"}, timeout=60
        )
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) >= 1
            break
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses  # the 6th is backed off
    audit = authed.get(api(platform, "/audit"), params={"action": "login", "limit": 50}).json()["entries"]
    assert any(e["outcome"] == "failed" for e in audit) and any(e["outcome"] == "denied" for e in audit)
    # per IP (30/minute in the tests): an unknown name, again and again, until the limit answers
    attempts = 0
    for _ in range(40):
        attempts += 1
        answer = httpx.post(api(platform, "/auth/login"), json={"username": "nobody", "password": "x"}, timeout=60)
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) >= 1
            break
    else:
        pytest.fail("no 429 from the per-IP login limit")
    print(f"\nper-IP login limit reached after {attempts} more attempts")


def test_a_restart_of_auth_keeps_the_local_admin_key(platform: str, client: Any) -> None:
    """A crash of auth/main (here a kill) must not log out the CLI and every client that read
    the local key: the restarted service keeps the key on disk while it is valid."""
    from actors.auth.secret import read_local_key
    from configs.settings import load_settings

    before = read_local_key(load_settings())
    assert before
    node = client.tree().find("auth/main")
    assert client.kill("auth/main")
    client.wait_until_running("auth/main", min_restarts=node.restarts + 1, timeout_s=120)
    assert read_local_key(load_settings()) == before
    time.sleep(load_settings().auth.key_cache_s + 1)  # past the gateway's cached answer
    answer = httpx.get(api(platform, "/auth/me"), headers={"Authorization": f"Bearer {before}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["role"] == "admin"
