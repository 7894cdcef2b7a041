"""Access tokens (JWT, HS256, via PyJWT) and the opaque secrets behind refresh tokens and API keys.

An access token is checked without any lookup (signature, expiry, issuer, type), which is what
keeps authentication cheap per request; its short life (15 minutes) bounds how long a
disabled user's token still works. Refresh tokens and API keys are random; only their
SHA-256 is stored (they carry 256 bits of entropy, so a slow hash adds nothing).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

import jwt

from protocols.auth import API_KEY_PREFIX, AuthError, Principal, Role

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_id() -> str:
    return secrets.token_hex(8)


class AccessTokens:
    """Issues and verifies access tokens with one secret."""

    def __init__(self, secret: bytes, issuer: str, ttl_s: int) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the signing secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self.issuer = issuer
        self.ttl_s = ttl_s

    def issue(self, user_id: str, username: str, role: Role, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "sub": user_id,
            "name": username,
            "role": role.value,
            "typ": "access",
            "iss": self.issuer,
            "iat": issued,
            "exp": issued + self.ttl_s,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The token's principal; AuthError when it is malformed, forged, expired or not an access token."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token_expired", "the access token has expired: refresh it or log in again") from None
        except jwt.PyJWTError:
            raise AuthError("invalid_token", "the access token is not valid") from None
        if claims.get("typ") != "access":
            raise AuthError("invalid_token", "not an access token")
        try:
            role = Role(str(claims.get("role")))
        except ValueError:
            raise AuthError("invalid_token", "the access token names no known role") from None
        return Principal(user_id=str(claims["sub"]), username=str(claims.get("name", "")), role=role, kind="user")


def split_api_key(raw: str) -> tuple[str, str]:
    """`pgk_<id>_<secret>` -> (id, secret); AuthError for anything else."""
    if not raw.startswith(API_KEY_PREFIX):
        raise AuthError("invalid_key", "not an API key")
    key_id, sep, secret = raw[len(API_KEY_PREFIX) :].partition("_")
    if not sep or not key_id or not secret or len(key_id) > 64:
        raise AuthError("invalid_key", "the API key is malformed")
    return key_id, secret


def format_api_key(key_id: str, secret: str) -> str:
    return f"{API_KEY_PREFIX}{key_id}_{secret}"
