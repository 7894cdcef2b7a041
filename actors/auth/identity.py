"""The identity engine: users, passwords, sessions (access + rotating refresh tokens), API keys
and the audit log, on an IdentityStore. Plain Python, no Ray; the actor (auth_actor.py) is a thin
wrapper and the gateway verifies access tokens itself (tokens.py).

Sessions: a login issues a short access token (JWT) and a refresh token that starts a family.
Each refresh rotates: the presented token is marked used and a new one of the same family is
issued. A used (or revoked) token presented again means it was copied: the whole family is
revoked, so both the thief and the user must log in again. Logout revokes the family.

Failed logins back off per account: after `failed_login_threshold` failures in a row, the
account refuses attempts for base * 2^(n - threshold) seconds (429 with Retry-After), so
guessing one account's password gets slower and slower whatever the caller's IP.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pwdlib import PasswordHash

from actors.auth.records import ApiKeyRecord, AuditRecord, IdentityStore, RefreshRecord, UserRecord
from actors.auth.tokens import AccessTokens, format_api_key, new_id, random_token, sha256, split_api_key
from configs.settings import AuthConfig
from protocols.auth import (
    LOCAL_PRINCIPAL,
    USERNAME_PATTERN,
    ApiKeyCreated,
    ApiKeyView,
    AuditEntry,
    AuthError,
    Forbidden,
    Principal,
    Role,
    Scope,
    TooManyAttempts,
    UserView,
    key_role,
)
from protocols.errors import PlatformError


class AuthConflict(PlatformError):
    default_code = "conflict"
    default_status = 409


class AuthNotFound(PlatformError):
    default_code = "not_found"
    default_status = 404


class AuthInvalid(PlatformError):
    default_code = "validation_error"
    default_status = 422


@dataclass(frozen=True)
class Session:
    """What a login or a refresh gives: the access token and the next refresh token."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user: UserView


def _now() -> datetime:
    return datetime.now(UTC)


class IdentityEngine:
    def __init__(
        self,
        store: IdentityStore,
        secret: bytes,
        config: AuthConfig,
        *,
        hasher: PasswordHash | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.config = config
        self.tokens = AccessTokens(secret, config.issuer, config.access_token_ttl_s)
        self.hasher = hasher or PasswordHash.recommended()  # Argon2id
        self.clock = clock
        # Verifying an unknown user's password still costs one hash, so a login's timing
        # does not tell which usernames exist.
        self._dummy_hash = self.hasher.hash(random_token())

    # ---- passwords ---------------------------------------------------------------------------

    async def _hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def _verify(self, password: str, hashed: str) -> bool:
        return await asyncio.to_thread(self.hasher.verify, password, hashed)

    def _check_password(self, password: str, field: str = "body.password") -> None:
        if len(password) < self.config.min_password_length:
            raise AuthInvalid(
                "weak_password", f"the password must be at least {self.config.min_password_length} characters", field
            )

    # ---- users -------------------------------------------------------------------------------

    async def needs_setup(self) -> bool:
        return await self.store.count_users() == 0

    async def create_user(
        self, username: str, password: str, role: Role, *, actor: str | None = None, first: bool = False
    ) -> UserView:
        """A new user. `first`: only while no user exists (the first admin), else 409."""
        if not re.match(USERNAME_PATTERN, username):
            raise AuthInvalid(
                "validation_error", "the username must be 2-64 letters, digits or '_.@-'", "body.username"
            )
        self._check_password(password)
        now = self.clock()
        user = UserRecord(
            id=new_id(),
            username=username,
            password_hash=await self._hash(password),
            role=role,
            created_at=now,
            updated_at=now,
        )
        if not await self.store.insert_user(user, only_if_none=first):
            if first:
                raise AuthConflict("already_set_up", "the first admin exists already: log in")
            raise AuthConflict("conflict", f"the username {username!r} is taken", "body.username")
        await self.audit(actor or user.id, "user.create", user.id, detail={"username": username, "role": role.value})
        return user.view()

    async def list_users(self) -> list[UserView]:
        return [u.view() for u in await self.store.list_users()]

    async def get_user(self, user_id: str) -> UserView:
        return (await self._user(user_id)).view()

    async def _user(self, user_id: str) -> UserRecord:
        user = await self.store.get_user(user_id)
        if user is None:
            raise AuthNotFound("not_found", f"no user {user_id!r}", "path.user_id")
        return user

    async def update_user(
        self,
        user_id: str,
        *,
        actor: str,
        role: Role | None = None,
        password: str | None = None,
        disabled: bool | None = None,
    ) -> UserView:
        user = await self._user(user_id)
        changed: dict[str, Any] = {}
        if role is not None and role is not user.role:
            await self._keep_an_admin(user, role=role)
            user.role = role
            changed["role"] = role.value
        if password is not None:
            self._check_password(password)
            user.password_hash = await self._hash(password)
            user.failed_logins, user.locked_until = 0, None
            changed["password"] = True
        if disabled is not None and disabled != user.disabled:
            if disabled:
                await self._keep_an_admin(user, disabled=True)
            user.disabled = disabled
            changed["disabled"] = disabled
        user.updated_at = self.clock()
        await self.store.save_user(user)
        if "password" in changed or changed.get("disabled") or "role" in changed:
            # A new password, a disabled account or another role: its sessions end (access
            # tokens still live out their 15 minutes).
            await self.store.revoke_user_tokens(user.id, self.clock())
        await self.audit(actor, "user.update", user.id, detail=changed)
        return user.view()

    async def delete_user(self, user_id: str, *, actor: str) -> None:
        user = await self._user(user_id)
        await self._keep_an_admin(user, deleted=True)
        await self.store.delete_user(user_id)
        await self.audit(actor, "user.delete", user_id, detail={"username": user.username})

    async def _keep_an_admin(
        self, user: UserRecord, *, role: Role | None = None, disabled: bool = False, deleted: bool = False
    ) -> None:
        """Never leave the platform without an enabled admin."""
        if user.role is not Role.ADMIN or user.disabled:
            return
        if role is Role.ADMIN and not disabled and not deleted:
            return
        admins = [u for u in await self.store.list_users() if u.role is Role.ADMIN and not u.disabled]
        if len(admins) <= 1:
            raise Forbidden("last_admin", "that would leave no enabled admin")

    # ---- sessions ----------------------------------------------------------------------------

    async def login(self, username: str, password: str, *, ip: str | None = None) -> Session:
        user = await self.store.get_user_by_name(username)
        now = self.clock()
        if user is not None and user.locked_until is not None and user.locked_until > now:
            wait = max(1, math.ceil((user.locked_until - now).total_seconds()))
            await self.audit(user.id, "login", user.id, "denied", ip, {"reason": "backoff", "retry_after_s": wait})
            raise TooManyAttempts(f"too many failed logins for this account: try again in {wait} s", wait)
        ok = await self._verify(password, user.password_hash if user is not None else self._dummy_hash)
        if user is None or not ok or user.disabled:
            if user is not None and not ok:
                await self._count_failure(user, now)
            reason = "disabled" if user is not None and ok else "bad_credentials"
            await self.audit(user.id if user else None, "login", username, "failed", ip, {"reason": reason})
            raise AuthError("bad_credentials", "wrong username or password")
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        await self.store.save_user(user)
        await self.audit(user.id, "login", user.id, "ok", ip)
        return await self._issue(user, family_id=new_id())

    async def _count_failure(self, user: UserRecord, now: datetime) -> None:
        user.failed_logins += 1
        over = user.failed_logins - self.config.failed_login_threshold
        if over >= 0:
            wait = min(self.config.failed_login_backoff_s * 2**over, self.config.failed_login_backoff_max_s)
            user.locked_until = now + timedelta(seconds=wait)
        await self.store.save_user(user)

    async def _issue(self, user: UserRecord, family_id: str) -> Session:
        now = self.clock()
        refresh = random_token()
        await self.store.insert_refresh(
            RefreshRecord(
                id=new_id(),
                family_id=family_id,
                user_id=user.id,
                token_hash=sha256(refresh),
                created_at=now,
                expires_at=now + timedelta(seconds=self.config.refresh_token_ttl_s),
            )
        )
        return Session(
            access_token=self.tokens.issue(user.id, user.username, user.role, now.timestamp()),
            expires_in=self.config.access_token_ttl_s,
            refresh_token=refresh,
            refresh_expires_in=self.config.refresh_token_ttl_s,
            user=user.view(),
        )

    async def refresh(self, refresh_token: str, *, ip: str | None = None) -> Session:
        """Rotate: the presented token is used up and a new one of its family issued."""
        found = await self.store.get_refresh(sha256(refresh_token))
        now = self.clock()
        if found is None:
            raise AuthError("invalid_refresh", "the refresh token is not valid: log in again")
        if found.rotated_at is not None or found.revoked_at is not None:
            await self._reuse(found, now, ip)
        if found.expires_at <= now:
            raise AuthError("refresh_expired", "the session has expired: log in again")
        if not await self.store.rotate_refresh(found.id, now):
            await self._reuse(found, now, ip)  # a concurrent use of the same token
        user = await self.store.get_user(found.user_id)
        if user is None or user.disabled:
            await self.store.revoke_family(found.family_id, now)
            raise AuthError("invalid_refresh", "the account is gone or disabled")
        return await self._issue(user, family_id=found.family_id)

    async def _reuse(self, found: RefreshRecord, now: datetime, ip: str | None) -> None:
        revoked = await self.store.revoke_family(found.family_id, now)
        if found.revoked_at is None or revoked:
            await self.audit(found.user_id, "refresh.reuse", found.family_id, "denied", ip, {"revoked": revoked})
        raise AuthError("refresh_reused", "this refresh token was already used: the session is revoked, log in again")

    async def logout(self, refresh_token: str, *, actor: str | None = None) -> bool:
        found = await self.store.get_refresh(sha256(refresh_token))
        if found is None:
            return False
        await self.store.revoke_family(found.family_id, self.clock())
        await self.audit(actor or found.user_id, "logout", found.user_id)
        return True

    def verify_access(self, token: str) -> Principal:
        return self.tokens.verify(token)

    # ---- API keys ----------------------------------------------------------------------------

    async def create_api_key(
        self,
        user_id: str | None,
        name: str,
        scopes: list[Scope],
        expires_at: datetime | None = None,
        *,
        actor: str | None = None,
    ) -> ApiKeyCreated:
        """A new key for `user_id` (None: the platform's local admin key). Its scopes may not
        reach above the user's role."""
        now = self.clock()
        if expires_at is not None and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at is not None and expires_at <= now:
            raise AuthInvalid("validation_error", "expires_at is in the past", "body.expires_at")
        if user_id is not None:
            user = await self._user(user_id)
            too_high = [s for s in scopes if key_role(user.role, [s]) is not key_role(Role.ADMIN, [s])]
            if too_high:
                raise Forbidden(
                    "forbidden", f"a {user.role.value} cannot hold the scope {too_high[0].value!r}", "body.scopes"
                )
        secret = random_token()
        record = ApiKeyRecord(
            id=new_id(),
            user_id=user_id,
            name=name,
            key_hash=sha256(secret),
            scopes=sorted(set(scopes), key=list(Scope).index),
            created_at=now,
            expires_at=expires_at,
        )
        await self.store.insert_key(record)
        await self.audit(actor or user_id or LOCAL_PRINCIPAL, "key.create", record.id, detail={"name": name})
        return ApiKeyCreated(**record.view().model_dump(), key=format_api_key(record.id, secret))

    async def new_local_key(self) -> str:
        """The platform's own admin key for its CLI on this machine; replaces the previous one."""
        await self.store.delete_local_keys()
        return (await self.create_api_key(None, "local-cli", [Scope.ADMIN], actor=LOCAL_PRINCIPAL)).key

    async def local_key(self, current: str | None) -> str:
        """The local admin key to use from now on: `current` (the one on disk) while it still
        verifies as the platform's own key, else a new one. A restart of `auth/main` (a crash,
        a chaos kill) must not log out every CLI and client that read the file before it."""
        if current:
            try:
                principal = await self.verify_api_key(current)
            except AuthError:
                pass
            else:
                if principal.user_id == LOCAL_PRINCIPAL:
                    return current
        return await self.new_local_key()

    async def list_api_keys(self, user_id: str | None) -> list[ApiKeyView]:
        return [k.view() for k in await self.store.list_keys(user_id)]

    async def revoke_api_key(self, key_id: str, principal: Principal) -> ApiKeyView:
        """Revoke one's own key (admins: anyone's); another user's key is a 404."""
        key = await self.store.get_key(key_id)
        if key is None or (not principal.is_admin and key.user_id != principal.user_id):
            raise AuthNotFound("not_found", f"no API key {key_id!r}", "path.key_id")
        await self.store.revoke_key(key_id, self.clock())
        await self.audit(principal.user_id, "key.revoke", key_id)
        revoked = await self.store.get_key(key_id)
        assert revoked is not None
        return revoked.view()

    async def verify_api_key(self, raw: str) -> Principal:
        key_id, secret = split_api_key(raw)
        key = await self.store.get_key(key_id)
        now = self.clock()
        if key is None or not _same(key.key_hash, sha256(secret)):
            raise AuthError("invalid_key", "the API key is not valid")
        if key.revoked_at is not None:
            raise AuthError("key_revoked", "the API key was revoked")
        if key.expires_at is not None and key.expires_at <= now:
            raise AuthError("key_expired", "the API key has expired")
        if key.user_id is None:
            principal = Principal(
                user_id=LOCAL_PRINCIPAL,
                username=LOCAL_PRINCIPAL,
                role=Role.ADMIN,
                kind="key",
                key_id=key.id,
                scopes=key.scopes,
            )
        else:
            user = await self.store.get_user(key.user_id)
            if user is None or user.disabled:
                raise AuthError("invalid_key", "the API key's user is gone or disabled")
            principal = Principal(
                user_id=user.id,
                username=user.username,
                role=key_role(user.role, key.scopes),
                kind="key",
                key_id=key.id,
                scopes=key.scopes,
            )
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            await self.store.touch_key(key.id, now)  # at most once a minute: no write per request
        return principal

    # ---- audit -------------------------------------------------------------------------------

    async def audit(
        self,
        actor: str | None,
        action: str,
        target: str | None = None,
        outcome: str = "ok",
        ip: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        await self.store.add_audit(AuditRecord(action, outcome, actor, target, ip, detail or {}))

    async def audit_entries(self, limit: int = 100, offset: int = 0, action: str | None = None) -> list[AuditEntry]:
        return await self.store.list_audit(limit, offset, action)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
