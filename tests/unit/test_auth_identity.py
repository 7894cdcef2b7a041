"""The identity engine on the in-memory store: passwords, sessions, refresh rotation and reuse,
failed-login backoff, API keys and their scopes, the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from actors.auth.identity import IdentityEngine
from actors.auth.memory_store import MemoryIdentityStore
from actors.auth.secret import candidate_secret, signing_secret, write_private
from actors.auth.tokens import AccessTokens
from actors.store.database import Database
from configs.settings import AuthConfig, load_settings
from protocols.auth import AuthError, Forbidden, Principal, Role, Scope, TooManyAttempts, key_role
from protocols.errors import PlatformError

SECRET = b"s" * 32
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(clock: Clock) -> IdentityEngine:
    config = AuthConfig(failed_login_threshold=3, failed_login_backoff_s=2.0, failed_login_backoff_max_s=30.0)
    # Argon2id with small costs: the same algorithm, a fast test (the platform uses pwdlib's defaults)
    hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return IdentityEngine(MemoryIdentityStore(), SECRET, config, hasher=hasher, clock=clock)


@pytest.mark.asyncio
async def test_first_admin_only_while_no_user_exists(engine: IdentityEngine) -> None:
    assert await engine.needs_setup()
    admin = await engine.create_user("root", PASSWORD, Role.ADMIN, first=True)
    assert admin.role is Role.ADMIN and not await engine.needs_setup()
    with pytest.raises(PlatformError) as err:
        await engine.create_user("other", PASSWORD, Role.ADMIN, first=True)
    assert err.value.status == 409 and err.value.code == "already_set_up"


@pytest.mark.asyncio
async def test_passwords_are_argon2id_and_checked(engine: IdentityEngine) -> None:
    user = await engine.create_user("alice", PASSWORD, Role.USER)
    stored = await engine.store.get_user(user.id)
    assert stored is not None and stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    with pytest.raises(PlatformError) as err:
        await engine.create_user("bob", "short", Role.USER)
    assert err.value.status == 422 and err.value.field == "body.password"
    with pytest.raises(PlatformError) as err:
        await engine.create_user("ALICE", PASSWORD, Role.USER)  # names are case-insensitive
    assert err.value.status == 409 and err.value.field == "body.username"


@pytest.mark.asyncio
async def test_login_issues_a_verifiable_access_token(engine: IdentityEngine, clock: Clock) -> None:
    user = await engine.create_user("alice", PASSWORD, Role.USER)
    session = await engine.login("alice", PASSWORD, ip="10.0.0.1")
    principal = engine.verify_access(session.access_token)
    assert principal == Principal(user_id=user.id, username="alice", role=Role.USER, kind="user")
    assert session.expires_in == 900
    with pytest.raises(AuthError):
        await engine.login("alice", "wrong password!!")
    with pytest.raises(AuthError):
        await engine.login("nobody", PASSWORD)
    entries = await engine.audit_entries(action="login")
    assert [e.outcome for e in entries] == ["failed", "failed", "ok"]


def test_access_tokens_expire_and_forgeries_fail() -> None:
    tokens = AccessTokens(SECRET, "pygent", ttl_s=60)
    old = tokens.issue("u1", "alice", Role.ADMIN, now=datetime.now(UTC).timestamp() - 120)
    with pytest.raises(AuthError) as err:
        tokens.verify(old)
    assert err.value.code == "token_expired"
    forged = jwt.encode(
        {"sub": "u1", "role": "admin", "typ": "access", "iss": "pygent", "iat": 1, "exp": 2**40}, b"x" * 32
    )
    with pytest.raises(AuthError):
        tokens.verify(forged)
    with pytest.raises(ValueError):
        AccessTokens(b"short", "pygent", 60)


@pytest.mark.asyncio
async def test_refresh_rotates_and_reuse_revokes_the_family(engine: IdentityEngine) -> None:
    await engine.create_user("alice", PASSWORD, Role.USER)
    first = await engine.login("alice", PASSWORD)
    second = await engine.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await engine.refresh(second.refresh_token)
    # the stolen (already used) token comes back: the whole family is revoked
    with pytest.raises(AuthError) as err:
        await engine.refresh(first.refresh_token)
    assert err.value.code == "refresh_reused"
    with pytest.raises(AuthError):
        await engine.refresh(third.refresh_token)
    assert [e.action for e in await engine.audit_entries(action="refresh.reuse")] == ["refresh.reuse"]


@pytest.mark.asyncio
async def test_refresh_expires_and_logout_revokes(engine: IdentityEngine, clock: Clock) -> None:
    await engine.create_user("alice", PASSWORD, Role.USER)
    session = await engine.login("alice", PASSWORD)
    assert await engine.logout(session.refresh_token)
    with pytest.raises(AuthError):
        await engine.refresh(session.refresh_token)
    later = await engine.login("alice", PASSWORD)
    clock.advance(7 * 86400 + 1)
    with pytest.raises(AuthError) as err:
        await engine.refresh(later.refresh_token)
    assert err.value.code == "refresh_expired"


@pytest.mark.asyncio
async def test_failed_logins_back_off_per_account(engine: IdentityEngine, clock: Clock) -> None:
    await engine.create_user("alice", PASSWORD, Role.USER)
    for _ in range(3):
        with pytest.raises(AuthError):
            await engine.login("alice", "wrong password!!")
    with pytest.raises(TooManyAttempts) as err:  # even the right password waits
        await engine.login("alice", PASSWORD)
    assert err.value.status == 429 and err.value.retry_after_s == 2
    clock.advance(2)
    with pytest.raises(AuthError):
        await engine.login("alice", "wrong password!!")
    with pytest.raises(TooManyAttempts) as err:
        await engine.login("alice", PASSWORD)
    assert err.value.retry_after_s == 4  # doubled
    clock.advance(4)
    assert (await engine.login("alice", PASSWORD)).user.username == "alice"
    stored = await engine.store.get_user_by_name("alice")
    assert stored is not None and stored.failed_logins == 0


@pytest.mark.asyncio
async def test_disabled_users_cannot_log_in_or_refresh(engine: IdentityEngine) -> None:
    admin = await engine.create_user("root", PASSWORD, Role.ADMIN)
    user = await engine.create_user("alice", PASSWORD, Role.USER)
    session = await engine.login("alice", PASSWORD)
    await engine.update_user(user.id, actor=admin.id, disabled=True)
    with pytest.raises(AuthError):
        await engine.refresh(session.refresh_token)
    with pytest.raises(AuthError):
        await engine.login("alice", PASSWORD)


@pytest.mark.asyncio
async def test_the_last_admin_stays(engine: IdentityEngine) -> None:
    admin = await engine.create_user("root", PASSWORD, Role.ADMIN)
    with pytest.raises(Forbidden):
        await engine.update_user(admin.id, actor=admin.id, role=Role.USER)
    with pytest.raises(Forbidden):
        await engine.delete_user(admin.id, actor=admin.id)
    second = await engine.create_user("root2", PASSWORD, Role.ADMIN)
    await engine.delete_user(admin.id, actor=second.id)
    assert [u.username for u in await engine.list_users()] == ["root2"]


def test_key_role_is_the_lower_of_user_and_scope() -> None:
    assert key_role(Role.ADMIN, [Scope.READ]) is Role.VIEWER
    assert key_role(Role.ADMIN, [Scope.READ, Scope.WRITE]) is Role.USER
    assert key_role(Role.USER, [Scope.ADMIN]) is Role.USER
    assert key_role(Role.ADMIN, [Scope.ADMIN]) is Role.ADMIN


@pytest.mark.asyncio
async def test_api_keys_shown_once_scoped_expiring_and_revocable(engine: IdentityEngine, clock: Clock) -> None:
    admin = await engine.create_user("root", PASSWORD, Role.ADMIN)
    user = await engine.create_user("alice", PASSWORD, Role.USER)
    created = await engine.create_api_key(user.id, "script", [Scope.READ], clock.now + timedelta(hours=1))
    stored = await engine.store.get_key(created.id)
    assert stored is not None and created.key.split("_")[-1] not in stored.key_hash
    principal = await engine.verify_api_key(created.key)
    assert principal.role is Role.VIEWER and principal.kind == "key" and principal.user_id == user.id
    with pytest.raises(AuthError):
        await engine.verify_api_key(created.key[:-2] + "xx")
    clock.advance(3601)
    with pytest.raises(AuthError) as err:
        await engine.verify_api_key(created.key)
    assert err.value.code == "key_expired"
    with pytest.raises(Forbidden):  # a user cannot mint an admin key
        await engine.create_api_key(user.id, "too much", [Scope.ADMIN])
    writer = await engine.create_api_key(user.id, "writer", [Scope.WRITE])
    other = Principal(user_id=admin.id + "x", username="x", role=Role.USER)
    with pytest.raises(PlatformError) as not_yours:
        await engine.revoke_api_key(writer.id, other)
    assert not_yours.value.status == 404
    owner = Principal(user_id=user.id, username="alice", role=Role.USER)
    assert (await engine.revoke_api_key(writer.id, owner)).revoked_at is not None
    with pytest.raises(AuthError) as err:
        await engine.verify_api_key(writer.key)
    assert err.value.code == "key_revoked"
    assert {e.action for e in await engine.audit_entries()} >= {"key.create", "key.revoke", "user.create"}


@pytest.mark.asyncio
async def test_the_local_key_is_admin_and_replaced_at_each_start(engine: IdentityEngine) -> None:
    first = await engine.new_local_key()
    assert (await engine.verify_api_key(first)).role is Role.ADMIN
    second = await engine.new_local_key()
    with pytest.raises(AuthError):
        await engine.verify_api_key(first)
    assert (await engine.verify_api_key(second)).user_id == "local"


@pytest.mark.asyncio
async def test_a_restart_keeps_a_valid_local_key_and_replaces_any_other(engine: IdentityEngine) -> None:
    """auth/main restarted by its supervisor logs no client out; a bad file gets a new key."""
    first = await engine.local_key(None)
    assert await engine.local_key(first) == first
    assert (await engine.verify_api_key(first)).user_id == "local"
    for bad in ("garbage", first[:-2] + "xx"):
        replaced = await engine.local_key(bad)
        assert replaced != first and (await engine.verify_api_key(replaced)).role is Role.ADMIN
        with pytest.raises(AuthError):
            await engine.verify_api_key(first)
        first = replaced
    # a user's own key in the file is not the platform's: replaced, and the user's key stays
    owner = await engine.create_user("keeper", "a-long-password-1", Role.USER)
    users_key = (await engine.create_api_key(owner.id, "mine", [Scope.READ], actor=owner.id)).key
    assert await engine.local_key(users_key) != users_key
    assert (await engine.verify_api_key(users_key)).username == "keeper"


def test_the_stored_secret_starts_from_an_earlier_file_else_a_fresh_one(tmp_path: Path) -> None:
    settings = load_settings(state_dir=str(tmp_path))
    fresh = candidate_secret(settings)
    assert len(fresh.encode()) >= 32 and candidate_secret(settings) != fresh  # nothing on disk
    path = tmp_path / settings.auth.secret_file
    write_private(path, "s" * 40 + "\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert candidate_secret(settings) == "s" * 40  # an earlier version's secret: its tokens stay valid
    write_private(path, "short")
    assert candidate_secret(settings) != "short"
    with pytest.raises(ValueError, match="32 bytes"):
        load_settings(auth={"secret": "too short"})
    # a configured secret is used as is; the database is not asked (this one is never opened)
    configured = load_settings(auth={"secret": "k" * 32})
    assert asyncio.run(signing_secret(configured, Database("postgresql:///never-opened"))) == b"k" * 32
