-- 0012: MCP servers added at run time (POST /api/v1/mcp/servers, installs from the catalogue).
-- They lived in <state_dir>/mcp_servers.json, which only the node that wrote it could read; in
-- the database every node's `supervisor/mcp-servers` rebuilds its handles from them after a restart.

CREATE TABLE IF NOT EXISTS mcp_servers (
    id          text PRIMARY KEY,                -- the server id (bus address mcp/<id>)
    config      jsonb NOT NULL,                  -- actors.mcp.config.ServerConfig, as JSON
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
