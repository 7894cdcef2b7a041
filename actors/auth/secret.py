"""The JWT signing secret and the platform's local admin key on disk: files only their owner reads.

Unless configured (`auth.secret`), the signing secret is generated once and kept in PostgreSQL
(table `platform_secrets`), so that `auth/main` restarted on any node of a cluster signs with
the same one and every gateway replica verifies with it. A secret file of an earlier version
(<state_dir>/<auth.secret_file>) becomes the stored one, so its tokens stay valid."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from configs.settings import Settings

if TYPE_CHECKING:
    from actors.store.database import Database

SECRET_NAME = "jwt"

# The first writer wins: two starters (or two nodes) end with the same secret.
_CLAIM = """
WITH claimed AS (
    INSERT INTO platform_secrets (name, value) VALUES (%(name)s, %(value)s)
    ON CONFLICT (name) DO NOTHING RETURNING value
)
SELECT value FROM claimed UNION ALL SELECT value FROM platform_secrets WHERE name = %(name)s
"""


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 from the start (never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def candidate_secret(settings: Settings) -> str:
    """The secret to store if none is stored yet: that of an earlier version's secret file
    (its tokens stay valid), else a fresh one."""
    path = settings.state_path / settings.auth.secret_file
    if path.is_file():
        text = path.read_text().strip()
        if len(text.encode()) >= 32:
            return text
    return secrets.token_urlsafe(48)


async def signing_secret(settings: Settings, db: Database) -> bytes:
    """The configured secret (settings refuse one under 32 bytes), else the one every node shares
    in the database (stored at the first start)."""
    if settings.auth.secret is not None:
        return settings.auth.secret.encode()
    async with db.pool.connection() as conn:
        cur = await conn.execute(_CLAIM, {"name": SECRET_NAME, "value": candidate_secret(settings)})
        row = await cur.fetchone()
    if row is None:  # cannot happen: the claim inserts or the row is there
        raise RuntimeError("platform_secrets: no signing secret after claiming one")
    return str(row[0]).encode()


def local_key_path(settings: Settings) -> Path:
    return settings.state_path / settings.auth.local_key_file


def read_local_key(settings: Settings) -> str | None:
    path = local_key_path(settings)
    try:
        return path.read_text().strip() or None
    except OSError:
        return None
