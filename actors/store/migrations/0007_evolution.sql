-- 0007: recipe evolution: runs, stored recipes with their lineage per run, every evaluation
-- (each genome on each example once), island checkpoints, and each run's history.

CREATE TABLE IF NOT EXISTS evolution_runs (
    id           text PRIMARY KEY,
    task         text NOT NULL,
    config       jsonb NOT NULL,              -- the whole RunConfig, defaults applied
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
    stop_reason  text,
    generation   integer NOT NULL DEFAULT 0,  -- generations done
    evaluations  integer NOT NULL DEFAULT 0,  -- metric calls so far
    hypervolume  double precision NOT NULL DEFAULT 0,
    best         jsonb NOT NULL DEFAULT '{}'::jsonb,
    progress     jsonb,                       -- the latest RunProgress
    coordinator  jsonb,                       -- the coordinator's state (history, patience, stop)
    test         jsonb,                       -- the front on the test split, once ended
    duplicates   integer NOT NULL DEFAULT 0,  -- evaluations computed again (stored ones refused)
    restarts     integer NOT NULL DEFAULT 0,
    stop_asked   boolean NOT NULL DEFAULT false,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX IF NOT EXISTS evolution_runs_created_idx ON evolution_runs (created_at DESC);
CREATE INDEX IF NOT EXISTS evolution_runs_running_idx ON evolution_runs (status) WHERE status = 'running';

-- The global hypervolume and bests after each generation.
CREATE TABLE IF NOT EXISTS evolution_history (
    run_id       text NOT NULL REFERENCES evolution_runs (id) ON DELETE CASCADE,
    generation   integer NOT NULL,
    hypervolume  double precision NOT NULL,
    best         jsonb NOT NULL,
    diversity    double precision NOT NULL,
    evaluations  integer NOT NULL,
    PRIMARY KEY (run_id, generation)
);

-- A genome (recipe or real vector) by its content hash; the run that made it first.
CREATE TABLE IF NOT EXISTS evolution_recipes (
    id          text PRIMARY KEY,
    kind        text NOT NULL,
    genome      jsonb NOT NULL,
    name        text,
    run_id      text REFERENCES evolution_runs (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS evolution_recipes_created_idx ON evolution_recipes (created_at DESC);

-- Where a genome came from in a run, and its val objectives there.
CREATE TABLE IF NOT EXISTS evolution_lineage (
    run_id      text NOT NULL REFERENCES evolution_runs (id) ON DELETE CASCADE,
    recipe_id   text NOT NULL,
    parents     text[] NOT NULL DEFAULT '{}',
    operators   text[] NOT NULL DEFAULT '{}',
    generation  integer NOT NULL,
    island      integer NOT NULL,
    objectives  jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (run_id, recipe_id)
);
CREATE INDEX IF NOT EXISTS evolution_lineage_recipe_idx ON evolution_lineage (recipe_id);

-- Every evaluation, once: a genome on one example of one split of a task. Keyed by content,
-- so any run (and a restarted island) finds it instead of computing it again.
CREATE TABLE IF NOT EXISTS evolution_evaluations (
    genome      text NOT NULL,
    task        text NOT NULL,
    split       text NOT NULL CHECK (split IN ('train', 'val', 'test')),
    example     text NOT NULL,
    score       double precision NOT NULL,
    latency_s   double precision NOT NULL,
    tokens      integer NOT NULL,
    "values"    jsonb NOT NULL DEFAULT '{}'::jsonb,
    feedback    text,
    run_id      text,                        -- the run that computed it
    island      integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (genome, task, split, example)
);
CREATE INDEX IF NOT EXISTS evolution_evaluations_run_idx ON evolution_evaluations (run_id, island);
CREATE INDEX IF NOT EXISTS evolution_evaluations_task_idx ON evolution_evaluations (task, genome);

-- Each island's latest checkpoint (IslandState without its evaluations: they are above).
CREATE TABLE IF NOT EXISTS evolution_islands (
    run_id      text NOT NULL REFERENCES evolution_runs (id) ON DELETE CASCADE,
    island      integer NOT NULL,
    generation  integer NOT NULL,
    phase       text NOT NULL,               -- varied | survived | migrated
    state       jsonb NOT NULL,
    restarts    integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, island)
);

-- POST /agents {recipe_id}: the agent runs that recipe (its model, system prompt, reasoning
-- mode, temperature and token limit), kept with the agent as it was when the agent was made.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS recipe jsonb;
