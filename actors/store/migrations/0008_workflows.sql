-- 0008: durable workflows (research-analysis). DBOS Transact keeps its own tables (workflow
-- status, step outputs, queues) in the schema `dbos` of this database and creates them itself;
-- these are ours: what each workflow was asked, its log, and its report with citations.

CREATE TABLE IF NOT EXISTS workflow_runs (
    id          text PRIMARY KEY,              -- the DBOS workflow id (the idempotency key)
    name        text NOT NULL,                 -- research-analysis
    question    text NOT NULL,
    index_name  text NOT NULL,
    model       text NOT NULL,
    mode        text NOT NULL,
    request     jsonb NOT NULL,                -- the whole ResearchRequest, defaults applied
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS workflow_runs_created_idx ON workflow_runs (created_at DESC);

CREATE TABLE IF NOT EXISTS workflow_logs (
    workflow_id text NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    seq         bigserial,
    at          timestamptz NOT NULL DEFAULT now(),
    step        text,
    level       text NOT NULL DEFAULT 'info',
    message     text NOT NULL,
    PRIMARY KEY (workflow_id, seq)
);

-- One report per workflow: the store step inserts it with ON CONFLICT DO NOTHING, so a
-- store step cut off and run again stores it once.
CREATE TABLE IF NOT EXISTS workflow_reports (
    id          text PRIMARY KEY,
    workflow_id text NOT NULL UNIQUE REFERENCES workflow_runs (id) ON DELETE CASCADE,
    title       text NOT NULL,
    markdown    text NOT NULL,
    report      jsonb NOT NULL,                -- the whole Report
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS workflow_citations (
    report_id   text NOT NULL REFERENCES workflow_reports (id) ON DELETE CASCADE,
    number      integer NOT NULL,
    passage_id  text NOT NULL,
    document_id text NOT NULL,
    source      text,
    excerpt     text NOT NULL,
    PRIMARY KEY (report_id, number)
);
