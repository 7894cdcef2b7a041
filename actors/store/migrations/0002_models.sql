-- 0002: model calls (every generation and embedding), user ratings, tracked model entries.

CREATE TABLE IF NOT EXISTS model_calls (
    id                      bigserial PRIMARY KEY,
    model                   text NOT NULL,
    backend                 text NOT NULL,
    kind                    text NOT NULL,          -- chat | generate | embed
    worker                  text,                   -- address of the actor that served it
    prompt_tokens           integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens       integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    latency_ms              double precision NOT NULL CHECK (latency_ms >= 0),
    time_to_first_token_ms  double precision,
    tokens_per_s            double precision,
    outcome                 text NOT NULL CHECK (outcome IN ('ok', 'error', 'cancelled')),
    error_code              text,
    task_kind               text,                   -- what the call was for (chat, coding, ...)
    at                      timestamptz NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS model_calls_model_at_idx ON model_calls (model, at);

CREATE TABLE IF NOT EXISTS model_ratings (
    id          bigserial PRIMARY KEY,
    model       text NOT NULL,
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    task_kind   text,
    comment     text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS model_ratings_model_idx ON model_ratings (model);

-- Models a user tracks by hand (POST /models): what they are good for.
CREATE TABLE IF NOT EXISTS model_entries (
    name        text PRIMARY KEY,
    backend     text NOT NULL,
    task_kinds  jsonb NOT NULL DEFAULT '[]'::jsonb,
    description text NOT NULL DEFAULT '',
    parameters  jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
