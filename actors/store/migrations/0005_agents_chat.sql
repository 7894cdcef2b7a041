-- 0005: agents (the registry), conversations and their messages.

CREATE TABLE IF NOT EXISTS agents (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL,
    model       text NOT NULL,
    tools       jsonb NOT NULL DEFAULT '[]'::jsonb,
    status      text NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'processing', 'completed', 'error')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted     boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS agents_type_idx ON agents (type) WHERE NOT deleted;

CREATE TABLE IF NOT EXISTS conversations (
    id          text PRIMARY KEY,
    title       text NOT NULL DEFAULT '',
    agent_id    text REFERENCES agents (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted     boolean NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS messages (
    id               text PRIMARY KEY,
    conversation_id  text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq              bigserial,
    role             text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    content          text NOT NULL,
    agent_id         text,
    status           text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'stopped', 'error')),
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS messages_conversation_idx ON messages (conversation_id, seq);
