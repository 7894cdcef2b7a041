"""The JWT signing secret and the platform's local admin key on disk: files only their owner reads."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from configs.settings import Settings


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


def signing_secret(settings: Settings) -> bytes:
    """The configured secret (settings refuse one under 32 bytes), else the one generated at the
    first start into <state_dir>/<auth.secret_file>, mode 0600."""
    if settings.auth.secret is not None:
        return settings.auth.secret.encode()
    path = settings.state_path / settings.auth.secret_file
    if path.is_file():
        text = path.read_text().strip()
        if len(text.encode()) >= 32:
            return text.encode()
    text = secrets.token_urlsafe(48)
    write_private(path, text)
    return text.encode()


def local_key_path(settings: Settings) -> Path:
    return settings.state_path / settings.auth.local_key_file


def read_local_key(settings: Settings) -> str | None:
    path = local_key_path(settings)
    try:
        return path.read_text().strip() or None
    except OSError:
        return None
