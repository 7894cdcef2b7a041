-- 0013: supervision events carry the id their supervisor gave them, so that a batch sent
-- again (its first write succeeded but the answer timed out: a stalled sender) is stored
-- once. Rows from before have none (NULL: a unique index allows many).

ALTER TABLE supervision_events ADD COLUMN IF NOT EXISTS event_id text;
CREATE UNIQUE INDEX IF NOT EXISTS supervision_events_event_id_idx ON supervision_events (event_id);
