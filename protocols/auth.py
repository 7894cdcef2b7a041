"""Users, roles, API keys and sessions on the wire (REST bodies and answers), and the errors
authentication and authorization answer with.

Roles are ordered: a viewer reads, a user also changes what is theirs, an admin does
everything (MCP installs, models, kills, users). An API key carries scopes (`read`, `write`,
`admin`); what a key may do is the lower of its user's role and its highest scope.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protocols.errors import PlatformError

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$"
# The prefix of every API key: a bearer that starts with it is a key, anything else a JWT.
API_KEY_PREFIX = "pgk_"
# The user id the platform's own local admin key acts as (it belongs to no user row).
LOCAL_PRINCIPAL = "local"


class Role(StrEnum):
    VIEWER = "viewer"
    USER = "user"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.VIEWER: 0, Role.USER: 1, Role.ADMIN: 2}


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


# The highest role each scope allows.
SCOPE_ROLE = {Scope.READ: Role.VIEWER, Scope.WRITE: Role.USER, Scope.ADMIN: Role.ADMIN}


def key_role(user_role: Role, scopes: list[Scope]) -> Role:
    """What a key may do: the lower of its user's role and its highest scope."""
    allowed = max((SCOPE_ROLE[s] for s in scopes), key=lambda r: r.rank, default=Role.VIEWER)
    return user_role if user_role.rank <= allowed.rank else allowed


class Principal(BaseModel):
    """Who a request acts as: a logged-in user (JWT) or an API key (its user, limited by scopes)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    username: str
    role: Role
    kind: str = Field("user", pattern="^(user|key)$")
    key_id: str | None = None
    scopes: list[Scope] = Field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


# ---- REST bodies -----------------------------------------------------------------------------


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SetupBody(BaseModel):
    """The first admin (only while no user exists)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=1, max_length=1024)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=1, max_length=1024)
    role: Role = Role.USER


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    password: str | None = Field(None, min_length=1, max_length=1024)
    disabled: bool | None = None


class UserView(BaseModel):
    id: str
    username: str
    role: Role
    disabled: bool = False
    created_at: datetime
    last_login_at: datetime | None = None


class UserList(BaseModel):
    users: list[UserView]


class SessionAnswer(BaseModel):
    """A login or refresh: the access token (also set as an httpOnly cookie for the UI) and who.
    The refresh token travels only as an httpOnly cookie."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserView


class MeAnswer(BaseModel):
    user_id: str
    username: str
    role: Role
    kind: str
    key_id: str | None = None
    scopes: list[Scope] = Field(default_factory=list)


class SetupStatus(BaseModel):
    """Whether the first admin still has to be created (the UI shows the setup page then)."""

    needs_setup: bool


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=lambda: [Scope.READ], min_length=1)
    expires_at: datetime | None = None


class ApiKeyView(BaseModel):
    id: str
    name: str
    user_id: str | None
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class ApiKeyCreated(ApiKeyView):
    """The key itself appears here once; only its hash is stored."""

    key: str


class ApiKeyList(BaseModel):
    keys: list[ApiKeyView]


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None = None
    outcome: str
    ip: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditList(BaseModel):
    entries: list[AuditEntry]


class LoggedOut(BaseModel):
    logged_out: bool = True


class Deleted(BaseModel):
    id: str
    deleted: bool = True


# ---- errors ----------------------------------------------------------------------------------


class AuthError(PlatformError):
    """401: no credentials, or ones that are not (or no longer) valid."""

    default_code = "unauthenticated"
    default_status = 401


class Forbidden(PlatformError):
    default_code = "forbidden"
    default_status = 403


class TooManyAttempts(PlatformError):
    """429 with the seconds to wait (Retry-After)."""

    default_code = "rate_limited"
    default_status = 429

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(self.default_code, message, None, self.default_status, {"retry_after_s": retry_after_s})

    @property
    def retry_after_s(self) -> int:
        return int(self.extra.get("retry_after_s", 1))
