-- 0013: supervision events carry the id their supervisor gave them, so that a batch sent
-- again (its first write succeeded but the answer timed out: a stalled sender) is stored
-- once. Rows from before get one made of their row id.

ALTER TABLE supervision_events ADD COLUMN IF NOT EXISTS event_id text;
UPDATE supervision_events SET event_id = 'row-' || id WHERE event_id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS supervision_events_event_id_idx ON supervision_events (event_id);
