"""`auth/main`: the identity engine on PostgreSQL, as an actor. Thin: every method is the
engine's. At each start it makes sure the platform's own CLI has a local admin key
(<state_dir>/<auth.local_key_file>, mode 0600): the one on disk while it is still valid (a
restart logs nobody out), else a new one, and the previous ones stop working.

The gateway asks it for the signing secret once (it verifies access tokens itself), and to
check API keys (it caches each answer for `auth.key_cache_s`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from actors.auth import ownership
from actors.auth.identity import IdentityEngine, Session
from actors.auth.pg_store import PgIdentityStore
from actors.auth.secret import local_key_path, read_local_key, signing_secret, write_private
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.auth import ApiKeyCreated, ApiKeyView, AuditEntry, Principal, Role, Scope, UserView
from supervisors.actor import SupervisedActor, after_start
from supervisors.refs import current_namespace

log = logging.getLogger(__name__)


class AuthService(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self.db: Database | None = None
        self.engine: IdentityEngine | None = None
        self._secret = b""

    async def on_start(self) -> None:
        s = self.settings
        started = time.monotonic()
        self.db = await open_store_pool(s, current_namespace(), max_size=4)
        log.info("auth: pool open after %.1f s", time.monotonic() - started)
        self._secret = await signing_secret(s, self.db)
        self.engine = await asyncio.to_thread(IdentityEngine, PgIdentityStore(self.db), self._secret, s.auth)
        current = read_local_key(s)
        key = await self.engine.local_key(current)
        if key != current:
            write_private(local_key_path(s), key + "\n")
        log.info("auth: started in %.1f s", time.monotonic() - started)
        if await self.engine.needs_setup():
            log.warning("no user exists yet: create the first admin with `pygent users create-admin`")

    async def on_stop(self) -> None:
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    @property
    def _engine(self) -> IdentityEngine:
        if self.engine is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.engine

    @after_start
    async def signing_key(self) -> bytes:
        return self._secret

    @after_start
    async def needs_setup(self) -> bool:
        return await self._engine.needs_setup()

    @after_start
    async def create_user(
        self, username: str, password: str, role: str, actor: str | None = None, first: bool = False
    ) -> UserView:
        return await self._engine.create_user(username, password, Role(role), actor=actor, first=first)

    @after_start
    async def login(self, username: str, password: str, ip: str | None = None) -> Session:
        return await self._engine.login(username, password, ip=ip)

    @after_start
    async def refresh(self, token: str, ip: str | None = None) -> Session:
        return await self._engine.refresh(token, ip=ip)

    @after_start
    async def logout(self, token: str, actor: str | None = None) -> bool:
        return await self._engine.logout(token, actor=actor)

    @after_start
    async def verify_api_key(self, raw: str) -> Principal:
        return await self._engine.verify_api_key(raw)

    @after_start
    async def list_users(self) -> list[UserView]:
        return await self._engine.list_users()

    @after_start
    async def get_user(self, user_id: str) -> UserView:
        return await self._engine.get_user(user_id)

    @after_start
    async def update_user(self, user_id: str, actor: str, changes: dict[str, Any]) -> UserView:
        role = changes.get("role")
        return await self._engine.update_user(
            user_id,
            actor=actor,
            role=Role(role) if role is not None else None,
            password=changes.get("password"),
            disabled=changes.get("disabled"),
        )

    @after_start
    async def delete_user(self, user_id: str, actor: str) -> None:
        await self._engine.delete_user(user_id, actor=actor)

    @after_start
    async def create_api_key(
        self, user_id: str, name: str, scopes: list[str], expires_at: datetime | None, actor: str
    ) -> ApiKeyCreated:
        return await self._engine.create_api_key(user_id, name, [Scope(s) for s in scopes], expires_at, actor=actor)

    @after_start
    async def list_api_keys(self, user_id: str | None) -> list[ApiKeyView]:
        return await self._engine.list_api_keys(user_id)

    @after_start
    async def revoke_api_key(self, key_id: str, principal: Principal) -> ApiKeyView:
        return await self._engine.revoke_api_key(key_id, principal)

    @after_start
    async def audit(
        self,
        actor: str | None,
        action: str,
        target: str | None = None,
        outcome: str = "ok",
        ip: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        await self._engine.audit(actor, action, target, outcome, ip, detail)

    # ---- object ownership (ownership.py) --------------------------------------------------------

    @after_start
    async def owner_of(self, kind: str, object_id: str) -> str | None:
        return await ownership.owner_of(self._db, kind, object_id)

    @after_start
    async def lookup(self, kind: str, object_id: str) -> tuple[bool, str | None]:
        return await ownership.lookup(self._db, kind, object_id)

    @after_start
    async def claim(self, kind: str, object_id: str, owner_id: str) -> bool:
        return await ownership.claim(self._db, kind, object_id, owner_id)

    @after_start
    async def owned_ids(self, kind: str, owner_id: str | None) -> list[str]:
        return await ownership.owned_ids(self._db, kind, owner_id)

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    @after_start
    async def audit_entries(self, limit: int, offset: int, action: str | None) -> list[AuditEntry]:
        return await self._engine.audit_entries(limit, offset, action)
