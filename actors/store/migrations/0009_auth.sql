-- 0009: users, refresh tokens, API keys, the audit log; owners of conversations and agents.

CREATE TABLE IF NOT EXISTS users (
    id              text PRIMARY KEY,
    username        text NOT NULL,
    password_hash   text NOT NULL,               -- Argon2id (pwdlib), PHC string
    role            text NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
    disabled        boolean NOT NULL DEFAULT false,
    failed_logins   integer NOT NULL DEFAULT 0,  -- in a row; reset by a successful login
    locked_until    timestamptz,                 -- failed-login backoff
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS users_username_idx ON users (lower(username));

-- One row per refresh token ever issued; a rotated token keeps its row (rotated_at) so its
-- reuse is recognised and revokes its whole family (one login = one family).
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id          text PRIMARY KEY,
    family_id   text NOT NULL,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,            -- sha256 of the token (high entropy: no slow hash needed)
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family_idx ON refresh_tokens (family_id);

-- API keys: `pgk_<id>_<secret>`, shown once; user_id NULL is the platform's local admin key.
CREATE TABLE IF NOT EXISTS api_keys (
    id            text PRIMARY KEY,
    user_id       text REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL,
    key_hash      text NOT NULL,                 -- sha256 of the secret part
    scopes        text[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_user_idx ON api_keys (user_id);

CREATE TABLE IF NOT EXISTS audit_log (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text,                               -- user id, 'local', or NULL (anonymous)
    action   text NOT NULL,                      -- login, key.create, user.update, mcp.install, ...
    target   text,
    outcome  text NOT NULL,                      -- ok, denied, failed
    ip       text,
    detail   jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at DESC);

-- Object-level authorization: who made it (NULL: made before authentication, admins only).
ALTER TABLE agents ADD COLUMN IF NOT EXISTS owner_id text;
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS owner_id text;
