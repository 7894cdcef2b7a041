-- 0012: state that every node of a cluster needs, moved out of the state directory (which
-- only the node that wrote it can read).

-- MCP servers added at run time (POST /api/v1/mcp/servers, installs from the catalogue); they
-- lived in <state_dir>/mcp_servers.json. `supervisor/mcp-servers` rebuilds its handles from
-- them at each start, on whichever node.
CREATE TABLE IF NOT EXISTS mcp_servers (
    id          text PRIMARY KEY,                -- the server id (bus address mcp/<id>)
    config      jsonb NOT NULL,                  -- actors.mcp.config.ServerConfig, as JSON
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Secrets the platform generates for itself when none is configured, shared by every node:
-- 'jwt' is the access-token signing secret (it lived in <state_dir>/auth/jwt-secret, so
-- `auth/main` restarted on another node signed with a new one). The first writer wins.
CREATE TABLE IF NOT EXISTS platform_secrets (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
