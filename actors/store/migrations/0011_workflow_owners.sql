-- 0011: who started each workflow (issue 17's object-level rule). Another user gets 404 for it;
-- admins see all. NULL: started before authentication, or by the platform itself (an agent,
-- a bus tool): the admins' alone.

ALTER TABLE workflow_runs ADD COLUMN IF NOT EXISTS owner_id text;
CREATE INDEX IF NOT EXISTS workflow_runs_owner_idx ON workflow_runs (owner_id, created_at DESC);
