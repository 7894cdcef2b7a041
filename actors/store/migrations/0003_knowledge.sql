-- 0003: knowledge search (indexes, documents, chunks with vectors and full-text) and agent memory.

CREATE TABLE IF NOT EXISTS search_indexes (
    name        text PRIMARY KEY,
    type        text NOT NULL CHECK (type IN ('flat', 'hnsw', 'ivf')),
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,      -- FAISS parameters (M, ef_search, nlist, ...)
    shards      integer NOT NULL CHECK (shards BETWEEN 1 AND 64),
    backend     text NOT NULL CHECK (backend IN ('faiss', 'pgvector')),  -- default search path
    dimensions  integer NOT NULL CHECK (dimensions > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS documents (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    index_name  text NOT NULL REFERENCES search_indexes (name) ON DELETE CASCADE,
    shard       integer NOT NULL CHECK (shard >= 0),
    title       text,
    format      text NOT NULL,
    chars       integer NOT NULL CHECK (chars >= 0),
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS documents_index_idx ON documents (index_name, created_at);

-- The source of truth the FAISS shards rebuild from; the pgvector and full-text
-- indexes below serve the pgvector backend and the keyword side of hybrid search.
CREATE TABLE IF NOT EXISTS chunks (
    id          bigserial PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    index_name  text NOT NULL,
    shard       integer NOT NULL CHECK (shard >= 0),
    ordinal     integer NOT NULL CHECK (ordinal >= 0),
    text        text NOT NULL,
    embedding   vector(384) NOT NULL,
    tsv         tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS chunks_shard_idx ON chunks (index_name, shard, id);
CREATE INDEX IF NOT EXISTS chunks_document_idx ON chunks (document_id);
CREATE INDEX IF NOT EXISTS chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX IF NOT EXISTS chunks_metadata_idx ON chunks USING gin (metadata jsonb_path_ops);
-- Vectors are unit length: inner product ranks as cosine does.
CREATE INDEX IF NOT EXISTS chunks_embedding_hnsw_idx ON chunks
    USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64);

CREATE TABLE IF NOT EXISTS memories (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id        text NOT NULL,
    conversation_id text,
    kind            text NOT NULL DEFAULT 'fact',
    content         text NOT NULL,
    embedding       vector(384) NOT NULL,
    metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS memories_agent_idx ON memories (agent_id, created_at);
CREATE INDEX IF NOT EXISTS memories_conversation_idx ON memories (conversation_id, created_at);
CREATE INDEX IF NOT EXISTS memories_embedding_hnsw_idx ON memories
    USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64);
