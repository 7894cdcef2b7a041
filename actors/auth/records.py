"""What the identity engine stores, and the storage port it needs (PostgreSQL in pg_store.py,
in memory in memory_store.py for the engine's tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from protocols.auth import ApiKeyView, AuditEntry, Role, Scope, UserView


@dataclass
class UserRecord:
    id: str
    username: str
    password_hash: str
    role: Role
    created_at: datetime
    updated_at: datetime
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    def view(self) -> UserView:
        return UserView(
            id=self.id,
            username=self.username,
            role=self.role,
            disabled=self.disabled,
            created_at=self.created_at,
            last_login_at=self.last_login_at,
        )


@dataclass
class RefreshRecord:
    id: str
    family_id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass
class ApiKeyRecord:
    id: str
    user_id: str | None
    name: str
    key_hash: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def view(self) -> ApiKeyView:
        return ApiKeyView(
            id=self.id,
            name=self.name,
            user_id=self.user_id,
            scopes=list(self.scopes),
            created_at=self.created_at,
            expires_at=self.expires_at,
            revoked_at=self.revoked_at,
            last_used_at=self.last_used_at,
        )


@dataclass
class AuditRecord:
    action: str
    outcome: str
    actor: str | None = None
    target: str | None = None
    ip: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class IdentityStore(Protocol):
    """Storage of users, refresh tokens, keys and the audit log. Every method is one atomic step."""

    async def count_users(self) -> int: ...

    async def insert_user(self, user: UserRecord, *, only_if_none: bool = False) -> bool:
        """False when the name is taken, or (only_if_none) when any user exists."""

    async def get_user(self, user_id: str) -> UserRecord | None: ...

    async def get_user_by_name(self, username: str) -> UserRecord | None: ...

    async def list_users(self) -> list[UserRecord]: ...

    async def save_user(self, user: UserRecord) -> None: ...

    async def delete_user(self, user_id: str) -> bool: ...

    async def insert_refresh(self, token: RefreshRecord) -> None: ...

    async def get_refresh(self, token_hash: str) -> RefreshRecord | None: ...

    async def rotate_refresh(self, token_id: str, at: datetime) -> bool:
        """Mark it used; False when it already was (or was revoked): a reuse."""

    async def revoke_family(self, family_id: str, at: datetime) -> int: ...

    async def revoke_user_tokens(self, user_id: str, at: datetime) -> int: ...

    async def insert_key(self, key: ApiKeyRecord) -> None: ...

    async def get_key(self, key_id: str) -> ApiKeyRecord | None: ...

    async def list_keys(self, user_id: str | None) -> list[ApiKeyRecord]:
        """One user's keys, or (None) every key."""

    async def revoke_key(self, key_id: str, at: datetime) -> bool: ...

    async def touch_key(self, key_id: str, at: datetime) -> None: ...

    async def delete_local_keys(self) -> int:
        """Forget the platform's own local keys (user_id NULL) before writing a new one."""

    async def add_audit(self, entry: AuditRecord) -> None: ...

    async def list_audit(self, limit: int, offset: int, action: str | None) -> list[AuditEntry]: ...
