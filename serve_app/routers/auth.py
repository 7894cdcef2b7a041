"""/api/v1/auth/* (login, refresh, logout, me, first-run setup), /api/v1/api-keys, /api/v1/users
and /api/v1/audit. Who may call which is declared in serve_app/access.py, not here.

A login answers the access token in the body and sets two httpOnly, SameSite=Strict cookies:
`pygent_access` (the UI's credential for REST and /ws) and `pygent_refresh` (sent only to
/api/v1/auth, rotated at each refresh). Scripts use the body's token or, better, an API key.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from actors.auth.identity import Session
from protocols.auth import (
    LOCAL_PRINCIPAL,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyView,
    AuditList,
    AuthError,
    Deleted,
    Forbidden,
    LoggedOut,
    LoginBody,
    MeAnswer,
    Role,
    SessionAnswer,
    SetupBody,
    SetupStatus,
    UserCreate,
    UserList,
    UserUpdate,
    UserView,
    key_role,
)
from serve_app.deps import Auth, CurrentPrincipal, SettingsDep, ask
from serve_app.security import ACCESS_COOKIE, REFRESH_COOKIE, client_ip, current_principal, gateway_auth

router = APIRouter(tags=["auth"])
CALL_TIMEOUT_S = 30.0  # a login hashes a password (Argon2id): tens of milliseconds, more on a busy machine


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _paths(settings: Any) -> tuple[str, str]:
    base = settings.serve.base_path
    return base + "/", base + "/api/v1/auth"


def _answer(session: Session, request: Request, response: Response, settings: Any) -> SessionAnswer:
    access_path, refresh_path = _paths(settings)
    secure = _secure(request)
    response.set_cookie(
        ACCESS_COOKIE,
        session.access_token,
        max_age=session.expires_in,
        path=access_path,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        session.refresh_token,
        max_age=session.refresh_expires_in,
        path=refresh_path,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    response.headers["Cache-Control"] = "no-store"
    return SessionAnswer(access_token=session.access_token, expires_in=session.expires_in, user=session.user)


def _clear(response: Response, settings: Any) -> None:
    access_path, refresh_path = _paths(settings)
    response.delete_cookie(ACCESS_COOKIE, path=access_path)
    response.delete_cookie(REFRESH_COOKIE, path=refresh_path)


@router.get("/auth/setup", response_model=SetupStatus)
async def setup_status(auth: Auth) -> SetupStatus:
    """Whether the first admin still has to be created (no user exists)."""
    return SetupStatus(needs_setup=await ask(auth, "needs_setup", timeout_s=CALL_TIMEOUT_S, wait_s=10))


@router.post("/auth/setup", status_code=201, response_model=SessionAnswer)
async def setup(body: SetupBody, request: Request, response: Response, auth: Auth, settings: SettingsDep) -> Any:
    """Create the first admin and log in: only while no user exists (then 409 `already_set_up`)."""
    await ask(auth, "create_user", body.username, body.password, Role.ADMIN.value, None, True, timeout_s=CALL_TIMEOUT_S)
    session = await ask(auth, "login", body.username, body.password, client_ip(request.scope), timeout_s=CALL_TIMEOUT_S)
    return _answer(session, request, response, settings)


@router.post("/auth/login", response_model=SessionAnswer)
async def login(body: LoginBody, request: Request, response: Response, auth: Auth, settings: SettingsDep) -> Any:
    """Username and password: an access token (15 min) and a refresh cookie (7 days, rotating).
    Wrong credentials 401; repeated failures on one account 429 with Retry-After."""
    ip = client_ip(request.scope)
    session = await ask(auth, "login", body.username, body.password, ip, timeout_s=CALL_TIMEOUT_S)
    return _answer(session, request, response, settings)


@router.post("/auth/refresh", response_model=SessionAnswer)
async def refresh(request: Request, response: Response, auth: Auth, settings: SettingsDep) -> Any:
    """A new access token for the refresh cookie, which is rotated. A refresh token used twice
    revokes its whole session (401 `refresh_reused`)."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise AuthError("invalid_refresh", "no refresh cookie: log in")
    try:
        session = await ask(auth, "refresh", token, client_ip(request.scope), timeout_s=CALL_TIMEOUT_S)
    except AuthError:
        _clear(response, settings)
        raise
    return _answer(session, request, response, settings)


@router.post("/auth/logout", response_model=LoggedOut)
async def logout(request: Request, response: Response, auth: Auth, settings: SettingsDep) -> LoggedOut:
    """Revoke the session of the refresh cookie and clear both cookies."""
    token = request.cookies.get(REFRESH_COOKIE)
    principal = current_principal(request.scope)
    if token:
        await ask(auth, "logout", token, principal.user_id if principal else None, timeout_s=CALL_TIMEOUT_S)
    _clear(response, settings)
    return LoggedOut()


@router.get("/auth/me", response_model=MeAnswer)
async def me(principal: CurrentPrincipal) -> MeAnswer:
    """Who the credentials belong to: user, role, and for an API key its id and scopes."""
    return MeAnswer(**principal.model_dump())


# ---- API keys ----------------------------------------------------------------------------------


@router.get("/api-keys", response_model=ApiKeyList)
async def list_api_keys(
    principal: CurrentPrincipal,
    auth: Auth,
    all_users: bool = Query(False, alias="all", description="admins: every user's keys"),
) -> ApiKeyList:
    """Your API keys (never the keys themselves: only their ids, names and scopes)."""
    user_id = None if all_users and principal.is_admin else principal.user_id
    return ApiKeyList(keys=await ask(auth, "list_api_keys", user_id, timeout_s=CALL_TIMEOUT_S))


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(body: ApiKeyCreate, principal: CurrentPrincipal, auth: Auth) -> ApiKeyCreated:
    """A new key for yourself, shown this once. Its scopes cannot reach above your role (nor,
    when you call with a key, above that key's)."""
    for scope in body.scopes:
        if key_role(principal.role, [scope]) is not key_role(Role.ADMIN, [scope]):
            raise Forbidden("forbidden", f"you cannot grant the scope {scope.value!r}", "body.scopes")
    if principal.user_id == LOCAL_PRINCIPAL:
        raise Forbidden("forbidden", "the local admin key belongs to no user: log in to make keys", None)
    created: ApiKeyCreated = await ask(
        auth,
        "create_api_key",
        principal.user_id,
        body.name,
        [s.value for s in body.scopes],
        body.expires_at,
        principal.user_id,
        timeout_s=CALL_TIMEOUT_S,
    )
    return created


@router.delete("/api-keys/{key_id}", response_model=ApiKeyView)
async def revoke_api_key(key_id: str, principal: CurrentPrincipal, auth: Auth, settings: SettingsDep) -> ApiKeyView:
    """Revoke one of your keys (admins: anyone's). Another user's key is a 404."""
    revoked: ApiKeyView = await ask(auth, "revoke_api_key", key_id, principal, timeout_s=CALL_TIMEOUT_S)
    gateway_auth(settings).forget_keys()  # this replica stops trusting it at once (others within key_cache_s)
    return revoked


# ---- users (admins) ----------------------------------------------------------------------------


@router.get("/users", response_model=UserList)
async def list_users(auth: Auth) -> UserList:
    return UserList(users=await ask(auth, "list_users", timeout_s=CALL_TIMEOUT_S))


@router.post("/users", status_code=201, response_model=UserView)
async def create_user(body: UserCreate, principal: CurrentPrincipal, auth: Auth) -> UserView:
    user: UserView = await ask(
        auth, "create_user", body.username, body.password, body.role.value, principal.user_id, timeout_s=CALL_TIMEOUT_S
    )
    return user


@router.get("/users/{user_id}", response_model=UserView)
async def get_user(user_id: str, auth: Auth) -> UserView:
    user: UserView = await ask(auth, "get_user", user_id, timeout_s=CALL_TIMEOUT_S)
    return user


@router.patch("/users/{user_id}", response_model=UserView)
async def update_user(user_id: str, body: UserUpdate, principal: CurrentPrincipal, auth: Auth) -> UserView:
    """Change a user's role or password, or disable them (their sessions end)."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    user: UserView = await ask(auth, "update_user", user_id, principal.user_id, changes, timeout_s=CALL_TIMEOUT_S)
    return user


@router.delete("/users/{user_id}", response_model=Deleted)
async def delete_user(user_id: str, principal: CurrentPrincipal, auth: Auth) -> Deleted:
    """Delete a user, their sessions and keys (never the last enabled admin)."""
    await ask(auth, "delete_user", user_id, principal.user_id, timeout_s=CALL_TIMEOUT_S)
    return Deleted(id=user_id)


# ---- audit (admins) ----------------------------------------------------------------------------


@router.get("/audit", response_model=AuditList)
async def audit(
    auth: Auth,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    action: str | None = Query(None, max_length=64, description="only this action (login, key.create, ...)"),
) -> AuditList:
    """The audit log, newest first: logins, keys, user changes, MCP installs, kills, deletions."""
    return AuditList(entries=await ask(auth, "audit_entries", limit, offset, action, timeout_s=CALL_TIMEOUT_S))
