"""The identity store in memory: the engine's unit tests run on it (the platform on pg_store.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from actors.auth.records import ApiKeyRecord, AuditRecord, RefreshRecord, UserRecord
from protocols.auth import AuditEntry


class MemoryIdentityStore:
    def __init__(self) -> None:
        self.users: dict[str, UserRecord] = {}
        self.refresh: dict[str, RefreshRecord] = {}
        self.keys: dict[str, ApiKeyRecord] = {}
        self.audit: list[AuditEntry] = []

    async def count_users(self) -> int:
        return len(self.users)

    async def insert_user(self, user: UserRecord, *, only_if_none: bool = False) -> bool:
        if only_if_none and self.users:
            return False
        if await self.get_user_by_name(user.username) is not None:
            return False
        self.users[user.id] = dataclasses.replace(user)
        return True

    async def get_user(self, user_id: str) -> UserRecord | None:
        found = self.users.get(user_id)
        return dataclasses.replace(found) if found else None

    async def get_user_by_name(self, username: str) -> UserRecord | None:
        for user in self.users.values():
            if user.username.lower() == username.lower():
                return dataclasses.replace(user)
        return None

    async def list_users(self) -> list[UserRecord]:
        return sorted((dataclasses.replace(u) for u in self.users.values()), key=lambda u: u.created_at)

    async def save_user(self, user: UserRecord) -> None:
        self.users[user.id] = dataclasses.replace(user)

    async def delete_user(self, user_id: str) -> bool:
        if self.users.pop(user_id, None) is None:
            return False
        self.refresh = {k: t for k, t in self.refresh.items() if t.user_id != user_id}
        self.keys = {k: key for k, key in self.keys.items() if key.user_id != user_id}
        return True

    async def insert_refresh(self, token: RefreshRecord) -> None:
        self.refresh[token.token_hash] = dataclasses.replace(token)

    async def get_refresh(self, token_hash: str) -> RefreshRecord | None:
        found = self.refresh.get(token_hash)
        return dataclasses.replace(found) if found else None

    async def rotate_refresh(self, token_id: str, at: datetime) -> bool:
        for token in self.refresh.values():
            if token.id == token_id:
                if token.rotated_at is not None or token.revoked_at is not None:
                    return False
                token.rotated_at = at
                return True
        return False

    async def revoke_family(self, family_id: str, at: datetime) -> int:
        count = 0
        for token in self.refresh.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = at
                count += 1
        return count

    async def revoke_user_tokens(self, user_id: str, at: datetime) -> int:
        count = 0
        for token in self.refresh.values():
            if token.user_id == user_id and token.revoked_at is None:
                token.revoked_at = at
                count += 1
        return count

    async def insert_key(self, key: ApiKeyRecord) -> None:
        self.keys[key.id] = dataclasses.replace(key)

    async def get_key(self, key_id: str) -> ApiKeyRecord | None:
        found = self.keys.get(key_id)
        return dataclasses.replace(found) if found else None

    async def list_keys(self, user_id: str | None) -> list[ApiKeyRecord]:
        return [dataclasses.replace(k) for k in self.keys.values() if user_id is None or k.user_id == user_id]

    async def revoke_key(self, key_id: str, at: datetime) -> bool:
        key = self.keys.get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        key.revoked_at = at
        return True

    async def touch_key(self, key_id: str, at: datetime) -> None:
        if key_id in self.keys:
            self.keys[key_id].last_used_at = at

    async def delete_local_keys(self) -> int:
        local = [k for k, key in self.keys.items() if key.user_id is None]
        for k in local:
            del self.keys[k]
        return len(local)

    async def add_audit(self, entry: AuditRecord) -> None:
        self.audit.append(
            AuditEntry(
                id=len(self.audit) + 1,
                at=datetime.now(UTC),
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                outcome=entry.outcome,
                ip=entry.ip,
                detail=entry.detail,
            )
        )

    async def list_audit(self, limit: int, offset: int, action: str | None) -> list[AuditEntry]:
        rows = [e for e in reversed(self.audit) if action is None or e.action == action]
        return rows[offset : offset + limit]
