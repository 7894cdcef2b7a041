-- 0001: pgvector, the supervision event log and the optional persisted bus message log.
-- Runs inside one transaction (see actors/store/migrator.py); keep it transactional.

CREATE EXTENSION IF NOT EXISTS vector;

-- One row per thing a supervisor did (protocols.supervision.SupervisionEvent).
CREATE TABLE IF NOT EXISTS supervision_events (
    id          bigserial PRIMARY KEY,
    supervisor  text NOT NULL,
    child       text NOT NULL,
    action      text NOT NULL,
    reason      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    restarts    integer NOT NULL DEFAULT 0,
    delay_s     double precision NOT NULL DEFAULT 0,
    siblings    jsonb NOT NULL DEFAULT '[]'::jsonb,
    at          timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- "What happened to this child lately" is the common query.
CREATE INDEX IF NOT EXISTS supervision_events_child_at_idx ON supervision_events (child, at);

-- Optional persisted message log of the bus; payload is the msgpack-encoded message.
CREATE TABLE IF NOT EXISTS bus_messages (
    id          bigserial PRIMARY KEY,
    direction   text NOT NULL,          -- in | out, as seen by the bus
    kind        text NOT NULL,          -- request | response | notification | event
    address     text NOT NULL,          -- the actor (or topic) the message was for or from
    method      text,                   -- JSON-RPC method or topic name; null for responses
    message_id  text,                   -- JSON-RPC id, as text; null for notifications
    payload     bytea NOT NULL,
    error_code  integer,                -- JSON-RPC error code of an error response
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS bus_messages_address_at_idx ON bus_messages (address, at);
CREATE INDEX IF NOT EXISTS bus_messages_message_id_idx ON bus_messages (message_id);
