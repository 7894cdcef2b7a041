"""The identity store in PostgreSQL (tables: migrations/0009_auth.sql)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.auth.records import ApiKeyRecord, AuditRecord, RefreshRecord, UserRecord
from actors.store.database import Database
from protocols.auth import AuditEntry, Role, Scope

# Serialises first-admin creation (two setups at once must not both succeed).
_FIRST_USER_LOCK = zlib.crc32(b"pygent.auth.first-user")

_USER_COLUMNS = (
    "id, username, password_hash, role, disabled, failed_logins, locked_until, created_at, updated_at, last_login_at"
)
_KEY_COLUMNS = "id, user_id, name, key_hash, scopes, created_at, expires_at, revoked_at, last_used_at"


def _user(row: dict[str, Any]) -> UserRecord:
    return UserRecord(**{**row, "role": Role(row["role"])})


def _key(row: dict[str, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(**{**row, "scopes": [Scope(s) for s in row["scopes"]]})


class PgIdentityStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _rows(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        async with self.db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)  # type: ignore[arg-type]
            return await cur.fetchall() if cur.description else []

    async def _count(self, query: str, params: Sequence[Any] = ()) -> int:
        async with self.db.pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(query, params)  # type: ignore[arg-type]
            return cur.rowcount

    async def count_users(self) -> int:
        rows = await self._rows("SELECT count(*) AS n FROM users")
        return int(rows[0]["n"])

    async def insert_user(self, user: UserRecord, *, only_if_none: bool = False) -> bool:
        async with self.db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            if only_if_none:
                await cur.execute("SELECT pg_advisory_xact_lock(%s)", (_FIRST_USER_LOCK,))
                await cur.execute("SELECT 1 FROM users LIMIT 1")
                if await cur.fetchone() is not None:
                    return False
            await cur.execute(
                f"INSERT INTO users ({_USER_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (
                    user.id,
                    user.username,
                    user.password_hash,
                    user.role.value,
                    user.disabled,
                    user.failed_logins,
                    user.locked_until,
                    user.created_at,
                    user.updated_at,
                    user.last_login_at,
                ),
            )
            return cur.rowcount == 1

    async def get_user(self, user_id: str) -> UserRecord | None:
        rows = await self._rows(f"SELECT {_USER_COLUMNS} FROM users WHERE id = %s", (user_id,))
        return _user(rows[0]) if rows else None

    async def get_user_by_name(self, username: str) -> UserRecord | None:
        rows = await self._rows(f"SELECT {_USER_COLUMNS} FROM users WHERE lower(username) = lower(%s)", (username,))
        return _user(rows[0]) if rows else None

    async def list_users(self) -> list[UserRecord]:
        return [_user(r) for r in await self._rows(f"SELECT {_USER_COLUMNS} FROM users ORDER BY created_at, id")]

    async def save_user(self, user: UserRecord) -> None:
        await self._count(
            "UPDATE users SET password_hash = %s, role = %s, disabled = %s, failed_logins = %s, locked_until = %s,"
            " updated_at = %s, last_login_at = %s WHERE id = %s",
            (
                user.password_hash,
                user.role.value,
                user.disabled,
                user.failed_logins,
                user.locked_until,
                user.updated_at,
                user.last_login_at,
                user.id,
            ),
        )

    async def delete_user(self, user_id: str) -> bool:
        return await self._count("DELETE FROM users WHERE id = %s", (user_id,)) == 1

    async def insert_refresh(self, token: RefreshRecord) -> None:
        await self._count(
            "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (token.id, token.family_id, token.user_id, token.token_hash, token.created_at, token.expires_at),
        )

    async def get_refresh(self, token_hash: str) -> RefreshRecord | None:
        rows = await self._rows(
            "SELECT id, family_id, user_id, token_hash, created_at, expires_at, rotated_at, revoked_at"
            " FROM refresh_tokens WHERE token_hash = %s",
            (token_hash,),
        )
        return RefreshRecord(**rows[0]) if rows else None

    async def rotate_refresh(self, token_id: str, at: datetime) -> bool:
        updated = await self._count(
            "UPDATE refresh_tokens SET rotated_at = %s WHERE id = %s AND rotated_at IS NULL AND revoked_at IS NULL",
            (at, token_id),
        )
        return updated == 1

    async def revoke_family(self, family_id: str, at: datetime) -> int:
        return await self._count(
            "UPDATE refresh_tokens SET revoked_at = %s WHERE family_id = %s AND revoked_at IS NULL", (at, family_id)
        )

    async def revoke_user_tokens(self, user_id: str, at: datetime) -> int:
        return await self._count(
            "UPDATE refresh_tokens SET revoked_at = %s WHERE user_id = %s AND revoked_at IS NULL", (at, user_id)
        )

    async def insert_key(self, key: ApiKeyRecord) -> None:
        await self._count(
            f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                key.id,
                key.user_id,
                key.name,
                key.key_hash,
                [s.value for s in key.scopes],
                key.created_at,
                key.expires_at,
                key.revoked_at,
                key.last_used_at,
            ),
        )

    async def get_key(self, key_id: str) -> ApiKeyRecord | None:
        rows = await self._rows(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE id = %s", (key_id,))
        return _key(rows[0]) if rows else None

    async def list_keys(self, user_id: str | None) -> list[ApiKeyRecord]:
        if user_id is None:
            rows = await self._rows(f"SELECT {_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id")
        else:
            rows = await self._rows(
                f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE user_id = %s ORDER BY created_at, id", (user_id,)
            )
        return [_key(r) for r in rows]

    async def revoke_key(self, key_id: str, at: datetime) -> bool:
        return (
            await self._count("UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL", (at, key_id))
            == 1
        )

    async def touch_key(self, key_id: str, at: datetime) -> None:
        await self._count("UPDATE api_keys SET last_used_at = %s WHERE id = %s", (at, key_id))

    async def delete_local_keys(self) -> int:
        return await self._count("DELETE FROM api_keys WHERE user_id IS NULL")

    async def add_audit(self, entry: AuditRecord) -> None:
        await self._count(
            "INSERT INTO audit_log (actor, action, target, outcome, ip, detail) VALUES (%s, %s, %s, %s, %s, %s)",
            (entry.actor, entry.action, entry.target, entry.outcome, entry.ip, Jsonb(entry.detail)),
        )

    async def list_audit(self, limit: int, offset: int, action: str | None) -> list[AuditEntry]:
        rows = await self._rows(
            "SELECT id, at, actor, action, target, outcome, ip, detail FROM audit_log"
            " WHERE %s::text IS NULL OR action = %s ORDER BY id DESC LIMIT %s OFFSET %s",
            (action, action, limit, offset),
        )
        return [AuditEntry(**r) for r in rows]
