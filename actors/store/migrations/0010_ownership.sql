-- 0010: owners of the remaining user objects (0009 did agents and conversations).
-- NULL owner: made before authentication or by the platform itself. For reasoning sessions
-- and evolution runs that means admins only; for a search index it means shared (every user
-- reads it, admins write it). Documents belong to their index's owner, memories to their
-- agent's owner (serve_app/ownership.py).

ALTER TABLE search_indexes ADD COLUMN IF NOT EXISTS owner_id text;
ALTER TABLE reasoning_sessions ADD COLUMN IF NOT EXISTS owner_id text;
ALTER TABLE evolution_runs ADD COLUMN IF NOT EXISTS owner_id text;

CREATE INDEX IF NOT EXISTS agents_owner_idx ON agents (owner_id);
CREATE INDEX IF NOT EXISTS conversations_owner_idx ON conversations (owner_id);
CREATE INDEX IF NOT EXISTS search_indexes_owner_idx ON search_indexes (owner_id);
CREATE INDEX IF NOT EXISTS reasoning_sessions_owner_idx ON reasoning_sessions (owner_id, created_at DESC);
CREATE INDEX IF NOT EXISTS evolution_runs_owner_idx ON evolution_runs (owner_id, created_at DESC);
