-- 0006: reasoning sessions, their thought trees and retrieved passages, and the stored defaults;
-- an agent's reasoning mode (its `reasoning` type answers through the pipeline).

ALTER TABLE agents ADD COLUMN IF NOT EXISTS reasoning_mode text;

CREATE TABLE IF NOT EXISTS reasoning_sessions (
    id             text PRIMARY KEY,
    query          text NOT NULL,
    mode           text NOT NULL,            -- as asked
    resolved_mode  text,                     -- what ran (ADAPTIVE's choice), once known
    task           text NOT NULL,
    model          text NOT NULL,
    index_name     text NOT NULL,
    request        jsonb NOT NULL,           -- the whole ReasoningRequest, defaults applied
    status         text NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
    routing        jsonb,                    -- ADAPTIVE's RoutingDecision, stored before the run
    result         jsonb,                    -- the ReasoningResult without its nodes
    answer         text,
    confidence     double precision NOT NULL DEFAULT 0,
    solved         boolean,
    metrics        jsonb NOT NULL DEFAULT '{}'::jsonb,
    error          text,
    restarts       integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
CREATE INDEX IF NOT EXISTS reasoning_sessions_created_idx ON reasoning_sessions (created_at DESC);
CREATE INDEX IF NOT EXISTS reasoning_sessions_running_idx ON reasoning_sessions (status) WHERE status = 'running';

-- Every node as it is made, and again at each change (the latest version per id).
CREATE TABLE IF NOT EXISTS reasoning_nodes (
    session_id  text NOT NULL REFERENCES reasoning_sessions (id) ON DELETE CASCADE,
    id          text NOT NULL,
    seq         bigserial,                   -- first-made order, kept across updates
    parent_id   text,
    depth       integer NOT NULL,
    status      text NOT NULL,
    value       double precision,
    node        jsonb NOT NULL,              -- the whole ThoughtNode
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, id)
);

CREATE TABLE IF NOT EXISTS reasoning_passages (
    session_id  text NOT NULL REFERENCES reasoning_sessions (id) ON DELETE CASCADE,
    id          text NOT NULL,
    passage     jsonb NOT NULL,
    PRIMARY KEY (session_id, id)
);

-- POST /reasoning/modes: one row, the overrides of configs/reasoning.yaml.
CREATE TABLE IF NOT EXISTS reasoning_defaults (
    id          integer PRIMARY KEY CHECK (id = 1),
    overrides   jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
