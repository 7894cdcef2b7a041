"""The real gateway app in a TestClient, as an admin: an access token signed with a test secret
the replica's guard is given, so requests reach the routes without Ray."""

from __future__ import annotations

from fastapi.testclient import TestClient

from actors.auth.tokens import AccessTokens
from configs.settings import load_settings
from protocols.auth import Role

SECRET = b"unit-test-signing-secret-32-bytes!"


def admin_client() -> TestClient:
    from serve_app.deps import current_settings
    from serve_app.gateway import app
    from serve_app.security import gateway_auth

    app.state.settings = load_settings()  # what a route's own dependencies need past the guard
    settings = current_settings(app)  # (settings a test installed win)
    tokens = AccessTokens(SECRET, settings.auth.issuer, settings.auth.access_token_ttl_s)
    gateway_auth(settings)._tokens = tokens
    token = tokens.issue("unit-admin", "unit-admin", Role.ADMIN)
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
