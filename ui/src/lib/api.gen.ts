// GENERATED FILE: do not edit. The gateway's REST shapes, from ui/openapi.json
// (python -m serve_app.openapi_dump) by openapi-typescript. Regenerate with `make ui-types`;
// `make test` fails while this file is stale. Use these types through src/lib/types.ts.

export interface paths {
    "/api/chat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Chat
         * @description Ollama's /api/chat (NDJSON chunks when `stream` is true, its default).
         */
        post: operations["chat_api_chat_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/create": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create
         * @description Create an Ollama model `from` another, with a `system` prompt.
         */
        post: operations["create_api_create_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/delete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete
         * @description Delete an Ollama model (an embedded one is removed from configs instead: 400).
         */
        delete: operations["delete_api_delete_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/embed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ollama's /api/embed
         * @description Embeddings: the platform's embedder for its own model name, else Ollama's embed.
         */
        post: operations["ollama_embed_api_embed_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/embeddings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Legacy Embeddings
         * @description Ollama's older embeddings call: one prompt in, one vector out.
         */
        post: operations["legacy_embeddings_api_embeddings_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/generate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ollama's /api/generate
         * @description Ollama's /api/generate: a prompt (and optional system) in, `response` text out.
         */
        post: operations["ollama_generate_api_generate_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ps
         * @description The models in memory now: embedded models a worker holds, and Ollama's.
         */
        get: operations["ps_api_ps_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/pull": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pull
         * @description Pull a model into Ollama (progress as NDJSON); the embedded backend cannot.
         */
        post: operations["pull_api_pull_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/show": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Show
         * @description Ollama's /api/show: an embedded model's file and parameters, or Ollama's own answer.
         */
        post: operations["show_api_show_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ollama's /api/tags
         * @description Every model either backend can serve, in Ollama's /api/tags shape plus `backend`.
         */
        get: operations["ollama_models_api_tags_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Agents
         * @description Your agents (admins: every agent).
         */
        get: operations["list_agents_api_v1_agents_get"];
        put?: never;
        /**
         * Create Agent
         * @description Create and start an agent (yours: other users get 404 for it). Unknown type, model or
         *     tool: 4xx naming the field.
         */
        post: operations["create_agent_api_v1_agents_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Agent Types
         * @description The six agent types: description, capabilities, default model and tools.
         */
        get: operations["agent_types_api_v1_agents_types_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/{agent_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Agent */
        get: operations["get_agent_api_v1_agents__agent_id__get"];
        put?: never;
        post?: never;
        /**
         * Delete Agent
         * @description Stop the agent's actor and remove it from the registry (its conversations stay).
         */
        delete: operations["delete_agent_api_v1_agents__agent_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/{agent_id}/execute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Execute
         * @description Carry out a task with the agent's tools (the tool-calling loop): answer and steps.
         */
        post: operations["execute_api_v1_agents__agent_id__execute_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/{agent_id}/memory": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Memory
         * @description Short-term memory (the agent's latest messages) and long-term memories (memory/main).
         */
        get: operations["memory_api_v1_agents__agent_id__memory_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/{agent_id}/message": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Message
         * @description A chat message to this agent (as POST /chat/message with agent_id).
         */
        post: operations["message_api_v1_agents__agent_id__message_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/{agent_id}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Status
         * @description Live status (idle, processing, completed, error), with restarts and supervision state.
         */
        get: operations["status_api_v1_agents__agent_id__status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agents/{agent_id}/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add Tools
         * @description Give the agent more tools (each must exist: an MCP server's or an actor's tool).
         */
        post: operations["add_tools_api_v1_agents__agent_id__tools_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Api Keys
         * @description Your API keys (never the keys themselves: only their ids, names and scopes).
         */
        get: operations["list_api_keys_api_v1_api_keys_get"];
        put?: never;
        /**
         * Create Api Key
         * @description A new key for yourself, shown this once. Its scopes cannot reach above your role (nor,
         *     when you call with a key, above that key's).
         */
        post: operations["create_api_key_api_v1_api_keys_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/api-keys/{key_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke Api Key
         * @description Revoke one of your keys (admins: anyone's). Another user's key is a 404.
         */
        delete: operations["revoke_api_key_api_v1_api_keys__key_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Audit
         * @description The audit log, newest first: logins, keys, user changes, MCP installs, kills, deletions.
         */
        get: operations["audit_api_v1_audit_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Login
         * @description Username and password: an access token (15 min) and a refresh cookie (7 days, rotating).
         *     Wrong credentials 401; repeated failures on one account 429 with Retry-After.
         */
        post: operations["login_api_v1_auth_login_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Logout
         * @description Revoke the session of the refresh cookie and clear both cookies.
         */
        post: operations["logout_api_v1_auth_logout_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Me
         * @description Who the credentials belong to: user, role, and for an API key its id and scopes.
         */
        get: operations["me_api_v1_auth_me_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refresh
         * @description A new access token for the refresh cookie, which is rotated. A refresh token used twice
         *     revokes its whole session (401 `refresh_reused`).
         */
        post: operations["refresh_api_v1_auth_refresh_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Setup Status
         * @description Whether the first admin still has to be created (no user exists).
         */
        get: operations["setup_status_api_v1_auth_setup_get"];
        put?: never;
        /**
         * Setup
         * @description Create the first admin and log in: only while no user exists (then 409 `already_set_up`).
         */
        post: operations["setup_api_v1_auth_setup_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/bus/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bus Publish
         * @description Publish an event on a topic (WebSocket subscribers of the topic receive it).
         */
        post: operations["bus_publish_api_v1_bus_publish_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/bus/request": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bus Request
         * @description Send a JSON-RPC request to an address; the answer is the JSON-RPC response.
         *
         *     Bus-level failures (unknown address, timeout, ...) are JSON-RPC errors in a 200
         *     answer, as JSON-RPC over HTTP does; only a malformed HTTP body is a 4xx.
         */
        post: operations["bus_request_api_v1_bus_request_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/conversations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Conversations
         * @description Your conversations (admins: all).
         */
        get: operations["conversations_api_v1_chat_conversations_get"];
        put?: never;
        /** Create Conversation */
        post: operations["create_conversation_api_v1_chat_conversations_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/conversations/{conversation_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete Conversation */
        delete: operations["delete_conversation_api_v1_chat_conversations__conversation_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export
         * @description The conversation as Markdown, JSON or plain text (a download).
         */
        get: operations["export_api_v1_chat_export_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** History */
        get: operations["history_api_v1_chat_history_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/message": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Chat Message
         * @description Route the message to an agent (agent_id overrides the router), answer, store both. A new
         *     conversation is yours; another user's conversation or agent is a 404.
         */
        post: operations["chat_message_api_v1_chat_message_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/chat/route": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Chat Route
         * @description Which agent type the router would pick for this message, and why (nothing is stored).
         */
        get: operations["chat_route_api_v1_chat_route_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/recipes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Recipes
         * @description Stored recipes, newest first (those a run made, or all: recipes are a shared library,
         *     named by their content).
         */
        get: operations["recipes_api_v1_evolution_recipes_get"];
        put?: never;
        /**
         * Create Recipe
         * @description Store a recipe (its id is its content hash: the same recipe twice is one recipe).
         */
        post: operations["create_recipe_api_v1_evolution_recipes_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/recipes/{recipe_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recipe */
        get: operations["recipe_api_v1_evolution_recipes__recipe_id__get"];
        put?: never;
        post?: never;
        /**
         * Delete Recipe
         * @description Delete a stored recipe (its evaluations stay: they are keyed by content).
         */
        delete: operations["delete_recipe_api_v1_evolution_recipes__recipe_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/recipes/{recipe_id}/lineage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Lineage
         * @description The recipe's ancestors in the run that made it (parents, operators, generation, island).
         */
        get: operations["lineage_api_v1_evolution_recipes__recipe_id__lineage_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/results": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Results
         * @description A run's outcome: its global front (val objectives) and, once it ended, the front on the
         *     held-out test split. No run named: the caller's latest.
         */
        get: operations["results_api_v1_evolution_results_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Runs
         * @description Runs, newest first: the caller's own (an admin's: all).
         */
        get: operations["runs_api_v1_evolution_runs_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/runs/{run_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Run View
         * @description The run, its configuration, its latest progress (per island) and its history.
         */
        get: operations["run_view_api_v1_evolution_runs__run_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/runs/{run_id}/front": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Front
         * @description The run's global Pareto front now.
         */
        get: operations["front_api_v1_evolution_runs__run_id__front_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start
         * @description Start a run (left-out parameters take configs/evolution.yaml's defaults). It runs in the
         *     background: follow it on /ws (`evolution.<run_id>`) or poll /evolution/runs/{id}. It belongs
         *     to the caller.
         */
        post: operations["start_api_v1_evolution_start_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Status
         * @description The running runs (or the one asked for), totals per status, and the tasks: the caller's
         *     own (an admin's: all).
         */
        get: operations["status_api_v1_evolution_status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/evolution/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop
         * @description Stop a running run after the generation under way; a finished run is answered as it is.
         */
        post: operations["stop_api_v1_evolution_stop_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health
         * @description Overall status and every component of the supervision tree, the database (the
         *     store's live check: the platform is not ok while it is down), and Ollama when
         *     configured (an unreachable Ollama is reported as down without failing the platform).
         */
        get: operations["health_api_v1_health_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Agents
         * @description The agent registry and the agents: registered, running, and their supervision states.
         */
        get: operations["health_agents_api_v1_health_agents_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/database": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Database
         * @description The store: PostgreSQL reachability, versions, pool and migrations (within
         *     `database.health_timeout_s`, plus a second).
         */
        get: operations["health_database_api_v1_health_database_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/mcp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Mcp
         * @description The MCP servers (status each) and how many tools the ready ones offer.
         */
        get: operations["health_mcp_api_v1_health_mcp_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/memory": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Memory
         * @description The memory service and its store (memory rows in PostgreSQL).
         */
        get: operations["health_memory_api_v1_health_memory_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/nodes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Nodes
         * @description The Ray cluster's nodes: address, resources, alive or dead, which actors run there.
         */
        get: operations["health_nodes_api_v1_health_nodes_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/ollama": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Ollama
         * @description Ollama: reachable or not (404 when no Ollama host is configured).
         */
        get: operations["health_ollama_api_v1_health_ollama_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/rag": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health Rag
         * @description Retrieval: the index shards, the embedders and the knowledge service.
         */
        get: operations["health_rag_api_v1_health_rag_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/discovery": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Discovery
         * @description Servers in the config, the catalogue and installed here; cached (see /discovery/refresh).
         */
        get: operations["discovery_api_v1_mcp_discovery_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/discovery/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Discovery Refresh */
        post: operations["discovery_refresh_api_v1_mcp_discovery_refresh_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Servers
         * @description Every known server: id, status, restarts, tool_count, transport, command/url, error.
         */
        get: operations["list_servers_api_v1_mcp_servers_get"];
        put?: never;
        /**
         * Add Server
         * @description Register a server at run time (persisted) and start it.
         */
        post: operations["add_server_api_v1_mcp_servers_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/install": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Install Server
         * @description Install a catalogue server (pip or npm, no shell) and register it.
         */
        post: operations["install_server_api_v1_mcp_servers_install_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Server */
        get: operations["get_server_api_v1_mcp_servers__server_id__get"];
        put?: never;
        post?: never;
        /** Delete Server */
        delete: operations["delete_server_api_v1_mcp_servers__server_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server Health
         * @description Status plus a live ping through the handle (round trip, ms).
         */
        get: operations["server_health_api_v1_mcp_servers__server_id__health_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restart Server */
        post: operations["restart_server_api_v1_mcp_servers__server_id__restart_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start Server */
        post: operations["start_server_api_v1_mcp_servers__server_id__start_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop Server */
        post: operations["stop_server_api_v1_mcp_servers__server_id__stop_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server Tools */
        get: operations["server_tools_api_v1_mcp_servers__server_id__tools_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/servers/{server_id}/tools/{tool}/execute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Execute Tool
         * @description Run a tool; answers the MCP CallToolResult (content, structuredContent?, isError).
         */
        post: operations["execute_tool_api_v1_mcp_servers__server_id__tools__tool__execute_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * All Tools
         * @description Every ready server's tools, named `<server_id>/<tool>` as agents name them.
         */
        get: operations["all_tools_api_v1_mcp_tools_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/memory/agents/{agent_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Agent Memories
         * @description An agent's memories belong to its owner (serve_app/ownership.py).
         */
        get: operations["agent_memories_api_v1_memory_agents__agent_id__get"];
        put?: never;
        /** Add Memory */
        post: operations["add_memory_api_v1_memory_agents__agent_id__post"];
        /** Delete Memories */
        delete: operations["delete_memories_api_v1_memory_agents__agent_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/memory/conversations/{conversation_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Conversation Memories */
        get: operations["conversation_memories_api_v1_memory_conversations__conversation_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/memory/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Search Memories
         * @description One agent's memories (a user names one of theirs; an admin may search all agents').
         */
        post: operations["search_memories_api_v1_memory_search_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/memory/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Memory Stats */
        get: operations["memory_stats_api_v1_memory_stats_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Models List
         * @description Models that can serve now and those with recorded data, with their performance.
         */
        get: operations["models_list_api_v1_models_get"];
        put?: never;
        /**
         * Models Upsert
         * @description Create or update a tracked model entry (what it is for).
         */
        post: operations["models_upsert_api_v1_models_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/recommendations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Models Recommendations
         * @description Which model for a kind of task, ranked from the recorded calls and ratings.
         */
        post: operations["models_recommendations_api_v1_models_recommendations_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/stats/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Models Summary
         * @description Totals over all recorded calls, per backend, and the busiest models.
         */
        get: operations["models_summary_api_v1_models_stats_summary_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Models Get
         * @description One model's recorded performance (overall, and by task kind when asked).
         */
        get: operations["models_get_api_v1_models__name__get"];
        put?: never;
        post?: never;
        /**
         * Models Delete
         * @description Stop tracking a model: its entry, ratings and recorded calls.
         */
        delete: operations["models_delete_api_v1_models__name__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{name}/performance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Models Performance */
        get: operations["models_performance_api_v1_models__name__performance_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{name}/rate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Models Rate
         * @description A user's rating (1-5) of a model, optionally for a task kind.
         */
        post: operations["models_rate_api_v1_models__name__rate_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/chat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ollama Chat
         * @description Ollama's /api/chat: `stream: true` (default) answers NDJSON chunks, else one object.
         */
        post: operations["ollama_chat_api_v1_ollama_chat_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/embed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ollama Embed
         * @description Embeddings: the platform's embedder for its own model name, else Ollama's embed.
         */
        post: operations["ollama_embed_api_v1_ollama_embed_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/generate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ollama Generate
         * @description Ollama's /api/generate: a prompt (and optional system) in, `response` text out.
         */
        post: operations["ollama_generate_api_v1_ollama_generate_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ollama Metrics
         * @description Per-model performance from the recorded calls, and the live state of the workers.
         */
        get: operations["ollama_metrics_api_v1_ollama_metrics_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ollama Models
         * @description Every model either backend can serve, in Ollama's /api/tags shape plus `backend`.
         */
        get: operations["ollama_models_api_v1_ollama_models_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/models/create": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ollama Create */
        post: operations["ollama_create_api_v1_ollama_models_create_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/models/pull": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ollama Pull
         * @description Pull a model into Ollama, streaming progress (also published on the `models` topic
         *     as `model_pull_progress` events).
         */
        post: operations["ollama_pull_api_v1_ollama_models_pull_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/models/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Ollama Delete */
        delete: operations["ollama_delete_api_v1_ollama_models__name__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/models/{name}/info": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Ollama Model Info */
        get: operations["ollama_model_info_api_v1_ollama_models__name__info_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ollama/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ollama Status
         * @description Both backends: the embedded workers and whether Ollama is reachable.
         */
        get: operations["ollama_status_api_v1_ollama_status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * History
         * @description Sessions, newest first (filter by status or by mode, asked or resolved): the caller's own
         *     (an admin's: all).
         */
        get: operations["history_api_v1_reasoning_history_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/modes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Modes
         * @description The modes and the defaults a session gets when its request leaves them out.
         */
        get: operations["modes_api_v1_reasoning_modes_get"];
        put?: never;
        /**
         * Configure Modes
         * @description Change the defaults (default mode; ToT, RAG and s3 parameters). Stored: they outlive
         *     restarts. Running sessions keep what they started with.
         */
        post: operations["configure_modes_api_v1_reasoning_modes_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/results/{session_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Results
         * @description The session and, once it finished, its whole result (answer, confidence, best path,
         *     nodes, passages, citations, metrics, routing).
         */
        get: operations["results_api_v1_reasoning_results__session_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/sessions/{session_id}/tree": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tree
         * @description The thought tree so far: nodes (parent, depth, value, status), the winning path once
         *     known, and the passages any node retrieved.
         */
        get: operations["tree_api_v1_reasoning_sessions__session_id__tree_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start
         * @description Start a session (any mode; left-out parameters take the defaults of /reasoning/modes).
         *     It runs in the background: follow it on /ws or poll /reasoning/results/{id}. It belongs to
         *     the caller.
         */
        post: operations["start_api_v1_reasoning_start_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Status
         * @description The running sessions (or the one asked for), totals per status and the default mode:
         *     the caller's own (an admin's: all).
         */
        get: operations["status_api_v1_reasoning_status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reasoning/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop
         * @description Stop a running session: it ends `stopped` with its partial tree. A finished session is
         *     answered as it is.
         */
        post: operations["stop_api_v1_reasoning_stop_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Batch
         * @description Many queries in one request (one embedding call, one call per shard).
         */
        post: operations["batch_api_v1_search_batch_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/documents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add Document
         * @description Into one of the caller's indexes (a shared one: admins only).
         */
        post: operations["add_document_api_v1_search_documents_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/documents/{document_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Document */
        get: operations["get_document_api_v1_search_documents__document_id__get"];
        put?: never;
        post?: never;
        /** Delete Document */
        delete: operations["delete_document_api_v1_search_documents__document_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/hybrid": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Hybrid */
        post: operations["hybrid_api_v1_search_hybrid_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/indexes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Indexes
         * @description The caller's indexes and the shared ones (an admin's: all).
         */
        get: operations["list_indexes_api_v1_search_indexes_get"];
        put?: never;
        /**
         * Create Index
         * @description A new index, the caller's (its documents are too).
         */
        post: operations["create_index_api_v1_search_indexes_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/indexes/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete Index */
        delete: operations["delete_index_api_v1_search_indexes__name__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/keyword": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Keyword */
        post: operations["keyword_api_v1_search_keyword_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/semantic": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Semantic */
        post: operations["semantic_api_v1_search_semantic_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/search/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stats
         * @description Counts, sizes, latency percentiles and a recall@10 estimate (the shards against an
         *     exact scan, on `recall_sample` stored vectors) per index: the indexes the caller sees; the
         *     totals are the platform's.
         */
        get: operations["stats_api_v1_search_stats_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/system/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * System Events
         * @description Recorded supervision events (restarts, escalations), newest last.
         */
        get: operations["system_events_api_v1_system_events_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/system/kill": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * System Kill
         * @description Chaos testing: kill the actor at an address; its supervisor restarts it.
         */
        post: operations["system_kill_api_v1_system_kill_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/system/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * System Metrics
         * @description CPU and memory of the machine and the Ray nodes.
         */
        get: operations["system_metrics_api_v1_system_metrics_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/system/tree": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * System Tree
         * @description The supervision tree: every supervisor and child with state and restarts.
         */
        get: operations["system_tree_api_v1_system_tree_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ui/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ui Config
         * @description Runtime facts for the web UI: the base path and the Ray dashboard's address.
         */
        get: operations["ui_config_api_v1_ui_config_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List Users */
        get: operations["list_users_api_v1_users_get"];
        put?: never;
        /** Create User */
        post: operations["create_user_api_v1_users_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get User */
        get: operations["get_user_api_v1_users__user_id__get"];
        put?: never;
        post?: never;
        /**
         * Delete User
         * @description Delete a user, their sessions and keys (never the last enabled admin).
         */
        delete: operations["delete_user_api_v1_users__user_id__delete"];
        options?: never;
        head?: never;
        /**
         * Update User
         * @description Change a user's role or password, or disable them (their sessions end).
         */
        patch: operations["update_user_api_v1_users__user_id__patch"];
        trace?: never;
    };
    "/api/v1/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Workflows
         * @description Workflows, newest first, with their status: one's own (an admin: everyone's).
         */
        get: operations["list_workflows_api_v1_workflows_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/research-analysis": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start Research
         * @description Start a research analysis: plan sub-questions, gather and read passages, answer each with
         *     the reasoning pipeline, and write a Markdown report citing its sources. It runs in the
         *     background; `workflow_id` (optional) is its idempotency key.
         */
        post: operations["start_research_api_v1_workflows_research_analysis_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/research-analysis/{workflow_id}/result": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Research Result
         * @description The workflow and, once stored, its report (Markdown and citations). `format=markdown`
         *     answers the report's Markdown as a download (404 until it is stored).
         */
        get: operations["research_result_api_v1_workflows_research_analysis__workflow_id__result_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/research-analysis/{workflow_id}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Research Status
         * @description Where a workflow stands: its status, the steps recorded so far, the step running now.
         */
        get: operations["research_status_api_v1_workflows_research_analysis__workflow_id__status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/retry/{workflow_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry
         * @description Run a failed workflow again from its failed step (earlier steps keep their recorded
         *     outputs), or a cancelled one from where it stopped. 409 for any other state.
         */
        post: operations["retry_api_v1_workflows_retry__workflow_id__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/stop/{workflow_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop
         * @description Stop a workflow: the step running now finishes, no other starts, and it ends
         *     `cancelled`. A finished workflow is answered as it is.
         */
        post: operations["stop_api_v1_workflows_stop__workflow_id__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/{workflow_id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Logs
         * @description A workflow's log lines in order (each step's what and when; resumes and retries).
         */
        get: operations["logs_api_v1_workflows__workflow_id__logs_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/version": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Version
         * @description PyGent's version (or configs compat.ollama_version).
         */
        get: operations["version_api_version_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/chat/completions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Chat Completions
         * @description An answer from a model, an agent (`agent:<id or name>`) or a reasoning mode. An agent's
         *     conversation: header X-PyGent-Conversation-Id (or the `user` field), continued or created
         *     under that id; the answer's X-PyGent-Conversation-Id header names it.
         */
        post: operations["chat_completions_v1_chat_completions_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/embeddings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Embeddings
         * @description Vectors from the platform's embedder (`all-minilm-l6-v2`, 384 dimensions; the default)
         *     or, for other names, from Ollama.
         */
        post: operations["embeddings_v1_embeddings_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Models
         * @description Models (embedded, Ollama's, the embedder), agents (`agent:...`) and reasoning modes.
         */
        get: operations["list_models_v1_models_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Model */
        get: operations["get_model_v1_models__model__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** AddServerBody */
        AddServerBody: {
            /** Args */
            args?: string[];
            /** Call Timeout S */
            call_timeout_s?: number | null;
            /** Command */
            command?: string | null;
            /** Cwd */
            cwd?: string | null;
            /**
             * Description
             * @default
             */
            description: string;
            /** Env */
            env?: {
                [key: string]: string;
            };
            /** Id */
            id: string;
            /**
             * Transport
             * @default stdio
             */
            transport: string;
            /** Url */
            url?: string | null;
        };
        /**
         * AgentChatAnswer
         * @description One chat turn: the stored answer, who gave it and why.
         */
        AgentChatAnswer: {
            /** Agent Id */
            agent_id: string;
            /** Agent Type */
            agent_type: string;
            /** Conversation Id */
            conversation_id: string;
            /** Eval Count */
            eval_count?: number | null;
            /** Message Id */
            message_id?: string | null;
            /** Notes */
            notes?: unknown;
            /** Response */
            response: string;
            /** Route Reason */
            route_reason: string;
            /** Status */
            status: string;
            /** Tool Steps */
            tool_steps?: unknown[];
            /** User Message Id */
            user_message_id?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** AgentDeleted */
        AgentDeleted: {
            /** Id */
            id?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** AgentList */
        AgentList: {
            /** Agents */
            agents: components["schemas"]["AgentRow"][];
        };
        /** AgentLiveStatus */
        AgentLiveStatus: {
            /** Id */
            id: string;
            /** Last Error */
            last_error?: string | null;
            /** Restarts */
            restarts: number;
            /** Running */
            running?: unknown[];
            /** State */
            state: string;
            /** Status */
            status: string;
            /**
             * Tasks Done
             * @default 0
             */
            tasks_done: number;
            /** Uptime S */
            uptime_s?: number | null;
        };
        /** AgentMemory */
        AgentMemory: {
            /** Agent Id */
            agent_id: string;
            /** Long Term */
            long_term: unknown[];
            /** Long Term Available */
            long_term_available: boolean;
            /** Note */
            note?: string | null;
            /** Short Term */
            short_term: {
                [key: string]: unknown;
            }[];
        };
        /**
         * AgentRow
         * @description An agent as the registry stores it, with its supervision state and restarts.
         */
        AgentRow: {
            /**
             * Address
             * @default
             */
            address: string;
            /**
             * Created At
             * @default
             */
            created_at: string;
            /** Id */
            id: string;
            /** Model */
            model?: string | null;
            /** Name */
            name: string;
            /** Reasoning Mode */
            reasoning_mode?: string | null;
            /** Recipe */
            recipe?: {
                [key: string]: unknown;
            } | null;
            /** Restarts */
            restarts: number;
            /** State */
            state: string;
            /**
             * Status
             * @default
             */
            status: string;
            /** Tools */
            tools?: string[];
            /** Type */
            type: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * AgentType
         * @description One agent type from configs/agents.yaml.
         */
        AgentType: {
            /** Capabilities */
            capabilities?: string[];
            /** Description */
            description: string;
            /** Keywords */
            keywords?: {
                [key: string]: number;
            };
            /** Model */
            model?: string | null;
            reasoning_mode?: components["schemas"]["ReasoningMode"] | null;
            /** System Prompt */
            system_prompt: string;
            /** Tools */
            tools?: string[];
            /** Type */
            type: string;
            /** Workflow */
            workflow?: string | null;
        };
        /** AgentTypes */
        AgentTypes: {
            /** Types */
            types: components["schemas"]["AgentType"][];
        };
        /**
         * Aggregate
         * @enum {string}
         */
        Aggregate: "mean" | "p50";
        /** ApiKeyCreate */
        ApiKeyCreate: {
            /** Expires At */
            expires_at?: string | null;
            /** Name */
            name: string;
            /** Scopes */
            scopes?: components["schemas"]["Scope"][];
        };
        /**
         * ApiKeyCreated
         * @description The key itself appears here once; only its hash is stored.
         */
        ApiKeyCreated: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Expires At */
            expires_at?: string | null;
            /** Id */
            id: string;
            /** Key */
            key: string;
            /** Last Used At */
            last_used_at?: string | null;
            /** Name */
            name: string;
            /** Revoked At */
            revoked_at?: string | null;
            /** Scopes */
            scopes: components["schemas"]["Scope"][];
            /** User Id */
            user_id: string | null;
        };
        /** ApiKeyList */
        ApiKeyList: {
            /** Keys */
            keys: components["schemas"]["ApiKeyView"][];
        };
        /** ApiKeyView */
        ApiKeyView: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Expires At */
            expires_at?: string | null;
            /** Id */
            id: string;
            /** Last Used At */
            last_used_at?: string | null;
            /** Name */
            name: string;
            /** Revoked At */
            revoked_at?: string | null;
            /** Scopes */
            scopes: components["schemas"]["Scope"][];
            /** User Id */
            user_id: string | null;
        };
        /** AuditEntry */
        AuditEntry: {
            /** Action */
            action: string;
            /** Actor */
            actor: string | null;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** Detail */
            detail?: {
                [key: string]: unknown;
            };
            /** Id */
            id: number;
            /** Ip */
            ip?: string | null;
            /** Outcome */
            outcome: string;
            /** Target */
            target?: string | null;
        };
        /** AuditList */
        AuditList: {
            /** Entries */
            entries: components["schemas"]["AuditEntry"][];
        };
        /**
         * BackendsStatus
         * @description The embedded workers (per model) and whether Ollama is reachable.
         */
        BackendsStatus: {
            /** Embedded */
            embedded: {
                [key: string]: unknown;
            }[];
            /** Ollama */
            ollama: {
                [key: string]: unknown;
            };
        };
        /** BatchAnswer */
        BatchAnswer: {
            /** Responses */
            responses: components["schemas"]["SearchAnswer"][];
        };
        /** BatchIn */
        BatchIn: {
            /**
             * Backend
             * @description faiss | pgvector (default: the index's)
             */
            backend?: string | null;
            /**
             * Filters
             * @description metadata filters: {"key": value or [values]}
             */
            filters?: {
                [key: string]: unknown;
            } | null;
            /**
             * Index
             * @default default
             */
            index: string;
            /**
             * K
             * @default 5
             */
            k: number;
            /**
             * Mode
             * @default hybrid
             */
            mode: string;
            /** Queries */
            queries?: string[];
            /**
             * Query
             * @default
             */
            query: string;
            /**
             * Weights
             * @description hybrid only: RRF weights [vector, keyword]
             */
            weights?: number[] | null;
        };
        /** Budget */
        Budget: {
            /** Metric Calls */
            metric_calls?: number | null;
            /** Wall Time S */
            wall_time_s?: number | null;
        };
        /** BusRequestBody */
        BusRequestBody: {
            /**
             * Message
             * @description A JSON-RPC 2.0 request (MCP method names)
             */
            message: {
                [key: string]: unknown;
            };
            /** Timeout S */
            timeout_s?: number | null;
            /**
             * To
             * @description Target address, `type/key`
             */
            to: string;
        };
        /**
         * CallToolResult
         * @description MCP's CallToolResult: content, structuredContent?, isError.
         */
        CallToolResult: {
            /** Content */
            content?: {
                [key: string]: unknown;
            }[];
            /** Iserror */
            isError?: boolean | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * Cascade
         * @description Score a child on a val minibatch first; only one reaching `threshold` gets the full val set.
         */
        Cascade: {
            /**
             * Minibatch Size
             * @default 0
             */
            minibatch_size: number;
            /**
             * Threshold
             * @default 0
             */
            threshold: number;
        };
        /**
         * ChatAnswer
         * @description Ollama's /api/chat answer (one object; NDJSON chunks of the same shape when streaming).
         */
        ChatAnswer: {
            /** Done */
            done?: boolean | null;
            /** Message */
            message?: {
                [key: string]: unknown;
            } | null;
            /** Model */
            model?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** ChatMessage */
        ChatMessage: {
            /**
             * Content
             * @default
             */
            content: string;
            /**
             * Role
             * @enum {string}
             */
            role: "system" | "user" | "assistant" | "tool";
        };
        /** ChatMessageRequest */
        ChatMessageRequest: {
            /** Agent Id */
            agent_id?: string | null;
            /** Conversation Id */
            conversation_id?: string | null;
            /** Message */
            message: string;
        };
        /**
         * ChatRequest
         * @description POST /api/chat, Ollama's shape. `format` is "json" or a JSON schema.
         */
        ChatRequest: {
            /** Format */
            format?: "json" | {
                [key: string]: unknown;
            } | null;
            /** Keep Alive */
            keep_alive?: string | number | null;
            /** Messages */
            messages: components["schemas"]["ChatMessage"][];
            /** Model */
            model: string;
            options?: components["schemas"]["GenerationOptions"] | null;
            /**
             * Stream
             * @default true
             */
            stream: boolean;
        };
        /**
         * ChildKind
         * @enum {string}
         */
        ChildKind: "worker" | "supervisor";
        /**
         * ChildState
         * @enum {string}
         */
        ChildState: "starting" | "running" | "restarting" | "stopping" | "stopped" | "failed";
        /**
         * ChildStatus
         * @description A node of the supervision tree as reported by `pygent status` and /api/v1/system/tree.
         */
        ChildStatus: {
            /** Address */
            address: string;
            /** Children */
            children?: components["schemas"]["ChildStatus"][];
            kind: components["schemas"]["ChildKind"];
            last_exit?: components["schemas"]["ExitReason"] | null;
            /** Node Id */
            node_id?: string | null;
            /** Node Ip */
            node_ip?: string | null;
            /** Pid */
            pid?: number | null;
            /** @default permanent */
            restart_type: components["schemas"]["RestartType"];
            /**
             * Restarts
             * @default 0
             */
            restarts: number;
            /** Started At */
            started_at?: number | null;
            state: components["schemas"]["ChildState"];
            strategy?: components["schemas"]["Strategy"] | null;
            /** Uptime S */
            uptime_s?: number | null;
        };
        /** Citation */
        Citation: {
            /** Document Id */
            document_id: string;
            /** Excerpt */
            excerpt: string;
            /** Number */
            number: number;
            /** Passage Id */
            passage_id: string;
            /** Source */
            source?: string | null;
        };
        /**
         * ClassifierConfig
         * @description Rules plus an embedding nearest-centroid over labelled example queries; a model with a
         *     calibration is routed by the nearest neighbours among its own labelled queries instead.
         */
        ClassifierConfig: {
            /** Calibrations */
            calibrations?: {
                [key: string]: components["schemas"]["RouterCalibration"];
            };
            /** Complex Cues */
            complex_cues?: string[];
            /** Complex Modes */
            complex_modes?: {
                [key: string]: components["schemas"]["ReasoningMode"];
            };
            /**
             * Embedding Weight
             * @default 0.6
             */
            embedding_weight: number;
            /** Examples */
            examples?: {
                [key: string]: string[];
            };
            /**
             * Moderate Max Words
             * @default 20
             */
            moderate_max_words: number;
            /** Reasoning Cues */
            reasoning_cues?: string[];
            /** Research Cues */
            research_cues?: string[];
            /** @default s3_rag */
            research_mode: components["schemas"]["ReasoningMode"];
            /**
             * Simple Max Words
             * @default 8
             */
            simple_max_words: number;
        };
        /**
         * Complexity
         * @enum {string}
         */
        Complexity: "simple" | "moderate" | "complex" | "research";
        /** ComponentHealth */
        ComponentHealth: {
            /** Address */
            address: string;
            /** Detail */
            detail?: string | null;
            /**
             * Restarts
             * @default 0
             */
            restarts: number;
            /** State */
            state: string;
            /**
             * Status
             * @enum {string}
             */
            status: "ok" | "degraded" | "down";
            /** Uptime S */
            uptime_s?: number | null;
        };
        /** Conversation */
        Conversation: {
            /** Agent Id */
            agent_id?: string | null;
            /** Created At */
            created_at: string;
            /** Id */
            id: string;
            /**
             * Message Count
             * @default 0
             */
            message_count: number;
            /** Title */
            title: string;
            /** Updated At */
            updated_at: string;
        };
        /** ConversationBody */
        ConversationBody: {
            /** Agent Id */
            agent_id?: string | null;
            /** Title */
            title?: string | null;
        };
        /** ConversationDeleted */
        ConversationDeleted: {
            /** Deleted */
            deleted: boolean;
            /** Id */
            id: string;
        };
        /** ConversationHistory */
        ConversationHistory: {
            /** Conversation Id */
            conversation_id: string;
            /** Messages */
            messages: {
                [key: string]: unknown;
            }[];
            /** Title */
            title: string;
        } & {
            [key: string]: unknown;
        };
        /** ConversationList */
        ConversationList: {
            /** Conversations */
            conversations: components["schemas"]["Conversation"][];
        };
        /** CreateAgentRequest */
        CreateAgentRequest: {
            /** Model */
            model?: string | null;
            /** Name */
            name?: string | null;
            reasoning_mode?: components["schemas"]["ReasoningMode"] | null;
            /** Recipe Id */
            recipe_id?: string | null;
            /** Tools */
            tools?: string[] | null;
            /** Type */
            type: string;
        };
        /** CreateBody */
        CreateBody: {
            /** From */
            from: string;
            /** Model */
            model: string;
            /**
             * Stream
             * @default true
             */
            stream: boolean;
            /** System */
            system?: string | null;
        };
        /**
         * CreateRecipeBody
         * @description POST /evolution/recipes: store a recipe (a seed for runs, or one to turn into an agent).
         */
        CreateRecipeBody: {
            /** Name */
            name?: string | null;
            recipe: components["schemas"]["Recipe"];
        };
        /** DatabaseHealth */
        DatabaseHealth: {
            /** Detail */
            detail?: string | null;
            /** Latency Ms */
            latency_ms?: number | null;
            /** Migrations */
            migrations?: string[];
            /** Mode */
            mode?: ("embedded" | "external") | null;
            /** Pgvector Version */
            pgvector_version?: string | null;
            /** Pool */
            pool?: {
                [key: string]: unknown;
            };
            /** Server Version */
            server_version?: string | null;
            /**
             * Status
             * @enum {string}
             */
            status: "ok" | "degraded" | "down";
        };
        /**
         * DeleteBody
         * @description DELETE /api/delete.
         */
        DeleteBody: {
            /** Model */
            model?: string | null;
            /**
             * Name
             * @description alias of model (older Ollama)
             */
            name?: string | null;
        };
        /** DeletedRecipe */
        DeletedRecipe: {
            /**
             * Deleted
             * @default true
             */
            deleted: boolean;
            /** Recipe Id */
            recipe_id: string;
        };
        /**
         * Direction
         * @enum {string}
         */
        Direction: "min" | "max";
        /** Discovered */
        Discovered: {
            /** Age S */
            age_s: number;
            /** Servers */
            servers: components["schemas"]["DiscoveredServer"][];
        };
        /** DiscoveredServer */
        DiscoveredServer: {
            /** Configured */
            configured?: boolean | null;
            /** Description */
            description?: string | null;
            /** Installed */
            installed?: boolean | null;
            /** Name */
            name: string;
            /** Server Id */
            server_id?: string | null;
            /** Source */
            source?: string | null;
            /** Title */
            title?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** Document */
        Document: {
            /** Id */
            id?: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * DocumentAdded
         * @description The stored document: its id, index, the shard that holds it and its chunks.
         */
        DocumentAdded: {
            /** Chars */
            chars: number;
            /** Chunks */
            chunks: number;
            /** Format */
            format: string;
            /** Id */
            id: string;
            /** Index */
            index: string;
            /**
             * Indexed
             * @description false: the shard was away and rebuilds from the rows
             */
            indexed: boolean;
            /** Shard */
            shard: number;
            /** Title */
            title?: string | null;
            /** Took Ms */
            took_ms: number;
        } & {
            [key: string]: unknown;
        };
        /** DocumentDeleted */
        DocumentDeleted: {
            /** Deleted */
            deleted: boolean;
            /** Id */
            id: string;
        } & {
            [key: string]: unknown;
        };
        /** DocumentIn */
        DocumentIn: {
            /**
             * Content
             * @description the document as text (plain, Markdown or HTML)
             */
            content?: string | null;
            /**
             * Content Base64
             * @description the document as base64 bytes (e.g. a PDF)
             */
            content_base64?: string | null;
            /** Filename */
            filename?: string | null;
            /**
             * Format
             * @description text | markdown | html | pdf (default: detected)
             */
            format?: string | null;
            /**
             * Index
             * @default default
             */
            index: string;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            } | null;
        };
        /**
         * EmbedRequest
         * @description POST /api/embed, Ollama's shape.
         */
        EmbedRequest: {
            /** Input */
            input: string | string[];
            /** Model */
            model: string;
            /**
             * Truncate
             * @default true
             */
            truncate: boolean;
        };
        /** Embeddings */
        Embeddings: {
            /** Embeddings */
            embeddings: number[][];
            /** Model */
            model: string;
        };
        /** ErrorBody */
        ErrorBody: {
            /** Code */
            code: string;
            /** Details */
            details?: {
                [key: string]: unknown;
            }[];
            /** Field */
            field?: string | null;
            /** Message */
            message: string;
        };
        /**
         * EvaluateMethod
         * @enum {string}
         */
        EvaluateMethod: "value" | "vote";
        /**
         * Evaluator
         * @enum {string}
         */
        Evaluator: "model" | "checker";
        /**
         * EvolutionResults
         * @description GET /evolution/results: a run's outcome: its front, and the front on the test split.
         */
        EvolutionResults: {
            /** Front */
            front?: components["schemas"]["Member"][];
            run: components["schemas"]["RunSummary"];
            /** Test */
            test?: components["schemas"]["HeldOutReport"][];
        };
        /**
         * EvolutionStatusView
         * @description GET /evolution/status: the running runs (or the one asked for) and the totals.
         */
        EvolutionStatusView: {
            /** Running */
            running: number;
            /** Runs */
            runs: components["schemas"]["RunSummary"][];
            /** Tasks */
            tasks?: string[];
            /** Totals */
            totals?: {
                [key: string]: number;
            };
        };
        /**
         * ExecuteResult
         * @description The tool-calling loop's answer and steps.
         */
        ExecuteResult: {
            /** Agent Id */
            agent_id: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * ExitKind
         * @enum {string}
         */
        ExitKind: "normal" | "shutdown" | "crash" | "killed" | "hang" | "start_failed";
        /** ExitReason */
        ExitReason: {
            /**
             * Detail
             * @default
             */
            detail: string;
            kind: components["schemas"]["ExitKind"];
        };
        /** FloatRange */
        FloatRange: {
            /** High */
            high: number;
            /** Low */
            low: number;
        };
        /**
         * FrontView
         * @description GET /evolution/runs/{id}/front: the global Pareto front now (val objectives).
         */
        FrontView: {
            /** Front */
            front: components["schemas"]["Member"][];
            /** Generation */
            generation: number;
            /** Hypervolume */
            hypervolume: number;
            /** Objectives */
            objectives: components["schemas"]["ObjectiveSpec"][];
            /** Run Id */
            run_id: string;
        };
        /**
         * GenerateAnswer
         * @description Ollama's /api/generate answer (`response` text).
         */
        GenerateAnswer: {
            /** Done */
            done?: boolean | null;
            /** Model */
            model?: string | null;
            /** Response */
            response?: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * GenerateMethod
         * @enum {string}
         */
        GenerateMethod: "propose" | "sample";
        /**
         * GenerateRequest
         * @description POST /api/generate, Ollama's shape.
         */
        GenerateRequest: {
            /** Format */
            format?: "json" | {
                [key: string]: unknown;
            } | null;
            /** Keep Alive */
            keep_alive?: string | number | null;
            /** Model */
            model: string;
            options?: components["schemas"]["GenerationOptions"] | null;
            /** Prompt */
            prompt: string;
            /**
             * Raw
             * @default false
             */
            raw: boolean;
            /**
             * Stream
             * @default true
             */
            stream: boolean;
            /** System */
            system?: string | null;
        };
        /**
         * GenerationOptions
         * @description The subset of Ollama's `options` both backends honour.
         */
        GenerationOptions: {
            /** Frequency Penalty */
            frequency_penalty?: number | null;
            /** Num Predict */
            num_predict?: number | null;
            /** Presence Penalty */
            presence_penalty?: number | null;
            /** Repeat Penalty */
            repeat_penalty?: number | null;
            /** Seed */
            seed?: number | null;
            /** Stop */
            stop?: string[] | null;
            /** Temperature */
            temperature?: number | null;
            /** Top K */
            top_k?: number | null;
            /** Top P */
            top_p?: number | null;
        } & {
            [key: string]: unknown;
        };
        /** HealthReport */
        HealthReport: {
            /** Checked At */
            checked_at: number;
            /** Components */
            components: {
                [key: string]: components["schemas"]["ComponentHealth"];
            };
            /**
             * Status
             * @enum {string}
             */
            status: "ok" | "degraded" | "down";
        };
        /**
         * HeldOutReport
         * @description A front member's objectives on the test split: reported, never selected on.
         */
        HeldOutReport: {
            /** Key */
            key: string;
            /** Objectives */
            objectives: {
                [key: string]: number;
            };
        };
        /** HistoryPoint */
        HistoryPoint: {
            /** Best */
            best?: {
                [key: string]: number;
            };
            /**
             * Diversity
             * @default 0
             */
            diversity: number;
            /**
             * Evaluations
             * @default 0
             */
            evaluations: number;
            /** Generation */
            generation: number;
            /** Hypervolume */
            hypervolume: number;
        };
        /** IndexCreate */
        IndexCreate: {
            /**
             * Backend
             * @description faiss (shards) | pgvector: the default search path
             */
            backend?: string | null;
            /**
             * Name
             * @description lower-case letters, digits, '_' or '-'
             */
            name: string;
            /**
             * Params
             * @description hnsw: M, ef_construction, ef_search; ivf: nlist, nprobe, train_size
             */
            params?: {
                [key: string]: unknown;
            } | null;
            /** Shards */
            shards?: number | null;
            /**
             * Type
             * @description flat | hnsw | ivf
             */
            type?: string | null;
        };
        /** IndexDeleted */
        IndexDeleted: {
            /** Deleted */
            deleted: boolean;
            /** Name */
            name: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * IndexInfo
         * @description An index: how it is built and searched, and what it holds.
         */
        IndexInfo: {
            backend: components["schemas"]["SearchBackend"];
            /** Chunks */
            chunks: number;
            /** Created At */
            created_at: string;
            /** Dimensions */
            dimensions: number;
            /** Documents */
            documents: number;
            /** Name */
            name: string;
            /** Params */
            params: {
                [key: string]: unknown;
            };
            /** Shards */
            shards: number;
            type: components["schemas"]["IndexType"];
        } & {
            [key: string]: unknown;
        };
        /** IndexList */
        IndexList: {
            /** Indexes */
            indexes: components["schemas"]["IndexInfo"][];
        };
        /** IndexStats */
        IndexStats: {
            backend: components["schemas"]["SearchBackend"];
            /** Chunks */
            chunks: number;
            /** Created At */
            created_at: string;
            /** Dimensions */
            dimensions: number;
            /** Documents */
            documents: number;
            /** Name */
            name: string;
            /** Params */
            params: {
                [key: string]: unknown;
            };
            /**
             * Recall At 10
             * @description the shards' top 10 against an exact scan; None: not measured
             */
            recall_at_10: number | null;
            /**
             * Shard Status
             * @description each shard's status (state, vectors, ...)
             */
            shard_status: {
                [key: string]: unknown;
            }[];
            /** Shards */
            shards: number;
            type: components["schemas"]["IndexType"];
        } & {
            [key: string]: unknown;
        };
        /**
         * IndexType
         * @enum {string}
         */
        IndexType: "flat" | "hnsw" | "ivf";
        /** InstallBody */
        InstallBody: {
            /**
             * Name
             * @description a catalogue entry's name (or its server id)
             */
            name: string;
        };
        /** IntRange */
        IntRange: {
            /** High */
            high: number;
            /** Low */
            low: number;
        };
        /** IslandProgress */
        IslandProgress: {
            /** Best */
            best: {
                [key: string]: number;
            };
            /** Cache Hits */
            cache_hits: number;
            /** Culled */
            culled: number;
            /** Diversity */
            diversity: number;
            /** Evaluations */
            evaluations: number;
            /** Front */
            front: components["schemas"]["Member"][];
            /** Generation */
            generation: number;
            /** Hypervolume */
            hypervolume: number;
            /** Island */
            island: number;
            /** Population */
            population: number;
            /**
             * Refused
             * @default 0
             */
            refused: number;
        };
        /**
         * JsonRpcResponse
         * @description A JSON-RPC 2.0 response: `result` or `error` ({code, message, data?}).
         */
        JsonRpcResponse: {
            /** Id */
            id?: number | string | null;
            /**
             * Jsonrpc
             * @default 2.0
             */
            jsonrpc: string;
        } & {
            [key: string]: unknown;
        };
        /** KillRequest */
        KillRequest: {
            /** Address */
            address: string;
            /**
             * How
             * @default kill
             * @enum {string}
             */
            how: "kill" | "exit";
        };
        /** KillResponse */
        KillResponse: {
            /** Address */
            address: string;
            /** How */
            how: string;
            /** Killed */
            killed: boolean;
        };
        /** LegacyEmbedding */
        LegacyEmbedding: {
            /** Embedding */
            embedding: number[];
        };
        /**
         * LegacyEmbeddingsBody
         * @description POST /api/embeddings (Ollama's older embeddings call: one prompt, one vector).
         */
        LegacyEmbeddingsBody: {
            /** Model */
            model: string;
            /** Prompt */
            prompt: string;
        };
        /** Lineage */
        Lineage: {
            /**
             * Generation
             * @default 0
             */
            generation: number;
            /**
             * Island
             * @default 0
             */
            island: number;
            /** Operators */
            operators?: components["schemas"]["Operator"][];
            /** Parents */
            parents?: string[];
        };
        /** LineageNode */
        LineageNode: {
            /**
             * Generation
             * @default 0
             */
            generation: number;
            /**
             * Island
             * @default 0
             */
            island: number;
            /** Objectives */
            objectives?: {
                [key: string]: number;
            };
            /** Operators */
            operators?: string[];
            /** Parents */
            parents?: string[];
            /** Recipe Id */
            recipe_id: string;
        };
        /**
         * LineageView
         * @description GET /evolution/recipes/{id}/lineage: the recipe and its ancestors in the run that made
         *     it, nearest first (at most `depth` generations back).
         */
        LineageView: {
            /** Nodes */
            nodes: components["schemas"]["LineageNode"][];
            /** Recipe Id */
            recipe_id: string;
            /** Run Id */
            run_id?: string | null;
        };
        /** LoggedOut */
        LoggedOut: {
            /**
             * Logged Out
             * @default true
             */
            logged_out: boolean;
        };
        /** LoginBody */
        LoginBody: {
            /** Password */
            password: string;
            /** Username */
            username: string;
        };
        /**
         * McpServer
         * @description A server: id, status, restarts, tool_count, transport, command/url, error, history.
         */
        McpServer: {
            /** Args */
            args?: string[] | null;
            /** Command */
            command?: string | string[] | null;
            /** Enabled */
            enabled?: boolean | null;
            /** Error */
            error?: string | null;
            /** Id */
            id: string;
            /** Last Ping Ms */
            last_ping_ms?: number | null;
            /** Restarts */
            restarts?: number | null;
            /** Status */
            status?: string | null;
            /** Tool Count */
            tool_count?: number | null;
            /** Transport */
            transport?: string | null;
            /** Url */
            url?: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * McpServerChange
         * @description The outcome of a run-time change (add, install, remove, start, stop, restart).
         */
        McpServerChange: {
            [key: string]: unknown;
        };
        /** McpServerHealth */
        McpServerHealth: {
            /** Error */
            error?: string | null;
            /** Id */
            id: string;
            /** Last Ping Ms */
            last_ping_ms?: number | null;
            /** Ok */
            ok: boolean;
            /** Restart History */
            restart_history?: {
                [key: string]: unknown;
            }[];
            /** Restarts */
            restarts: number;
            /** Status */
            status: string;
        } & {
            [key: string]: unknown;
        };
        /** McpServerList */
        McpServerList: {
            /** Servers */
            servers: components["schemas"]["McpServer"][];
        };
        /** McpTool */
        McpTool: {
            /** Description */
            description?: string | null;
            /** Inputschema */
            inputSchema?: {
                [key: string]: unknown;
            } | null;
            /** Name */
            name: string;
        } & {
            [key: string]: unknown;
        };
        /** McpToolList */
        McpToolList: {
            /** Tools */
            tools: components["schemas"]["McpTool"][];
        };
        /** MeAnswer */
        MeAnswer: {
            /** Key Id */
            key_id?: string | null;
            /** Kind */
            kind: string;
            role: components["schemas"]["Role"];
            /** Scopes */
            scopes?: components["schemas"]["Scope"][];
            /** User Id */
            user_id: string;
            /** Username */
            username: string;
        };
        /**
         * Member
         * @description A genome in a population, with its val objectives (selection's only input).
         */
        Member: {
            /** Crowding */
            crowding?: number | null;
            /** Genome */
            genome: components["schemas"]["Recipe"] | components["schemas"]["RealVector"];
            /** Key */
            key: string;
            lineage?: components["schemas"]["Lineage"];
            /** Objectives */
            objectives?: {
                [key: string]: number;
            };
            /** Rank */
            rank?: number | null;
        };
        /** MemoriesDeleted */
        MemoriesDeleted: {
            /** Agent Id */
            agent_id: string;
            /** Deleted */
            deleted: number;
        } & {
            [key: string]: unknown;
        };
        /** Memory */
        Memory: {
            /** Agent Id */
            agent_id: string;
            /** Content */
            content: string;
            /** Conversation Id */
            conversation_id?: string | null;
            /** Created At */
            created_at: string;
            /** Id */
            id: string;
            /**
             * Kind
             * @default fact
             */
            kind: string;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            };
            /** Score */
            score?: number | null;
        };
        /** MemoryIn */
        MemoryIn: {
            /**
             * Content
             * @default
             */
            content: string;
            /** Conversation Id */
            conversation_id?: string | null;
            /**
             * Kind
             * @default fact
             */
            kind: string;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            } | null;
        };
        /** MemoryList */
        MemoryList: {
            /** Agent Id */
            agent_id?: string | null;
            /** Conversation Id */
            conversation_id?: string | null;
            /** Memories */
            memories: components["schemas"]["Memory"][];
        } & {
            [key: string]: unknown;
        };
        /** MemorySearch */
        MemorySearch: {
            /** Agent Id */
            agent_id?: string | null;
            /**
             * K
             * @default 5
             */
            k: number;
            /** Kind */
            kind?: string | null;
            /**
             * Query
             * @default
             */
            query: string;
        };
        /**
         * MemoryStats
         * @description Counts of memories (by agent, by kind).
         */
        MemoryStats: {
            [key: string]: unknown;
        };
        /** MemoryStored */
        MemoryStored: {
            /** Agent Id */
            agent_id: string;
            /** Content */
            content: string;
            /** Conversation Id */
            conversation_id?: string | null;
            /** Created At */
            created_at: string;
            /** Id */
            id: string;
            /**
             * Kind
             * @default fact
             */
            kind: string;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            };
            /** Score */
            score?: number | null;
        } & {
            [key: string]: unknown;
        };
        /** MessageBody */
        MessageBody: {
            /** Conversation Id */
            conversation_id?: string | null;
            /** Message */
            message: string;
        };
        /** ModelDeleted */
        ModelDeleted: {
            /** Deleted */
            deleted: string;
        };
        /**
         * ModelDetails
         * @description Ollama's /api/show answer, or an embedded model's info and parameters.
         */
        ModelDetails: {
            [key: string]: unknown;
        };
        /**
         * ModelEntry
         * @description A model tracked by hand: what it is for.
         */
        ModelEntry: {
            /**
             * Backend
             * @default ollama
             */
            backend: string;
            /**
             * Description
             * @default
             */
            description: string;
            /** Name */
            name: string;
            /** Parameters */
            parameters?: {
                [key: string]: unknown;
            };
            /** Task Kinds */
            task_kinds?: string[];
        };
        /** ModelMetrics */
        ModelMetrics: {
            backends: components["schemas"]["BackendsStatus"];
            /** Models */
            models: {
                [key: string]: unknown;
            }[];
        };
        /**
         * ModelPerformance
         * @description Aggregates over the recorded calls of one model (optionally one task kind).
         */
        ModelPerformance: {
            /** Backend */
            backend: string;
            /**
             * Calls
             * @default 0
             */
            calls: number;
            /**
             * Cancelled
             * @default 0
             */
            cancelled: number;
            /**
             * Completion Tokens
             * @default 0
             */
            completion_tokens: number;
            /**
             * Errors
             * @default 0
             */
            errors: number;
            /** Last Used */
            last_used?: number | null;
            /** Mean Latency Ms */
            mean_latency_ms?: number | null;
            /** Mean Rating */
            mean_rating?: number | null;
            /** Mean Time To First Token Ms */
            mean_time_to_first_token_ms?: number | null;
            /** Mean Tokens Per S */
            mean_tokens_per_s?: number | null;
            /** Model */
            model: string;
            /**
             * Ok
             * @default 0
             */
            ok: number;
            /** P50 Latency Ms */
            p50_latency_ms?: number | null;
            /** P95 Latency Ms */
            p95_latency_ms?: number | null;
            /**
             * Prompt Tokens
             * @default 0
             */
            prompt_tokens: number;
            /**
             * Ratings
             * @default 0
             */
            ratings: number;
            /** Success Rate */
            success_rate?: number | null;
            /** Task Kind */
            task_kind?: string | null;
        };
        /** ModelRow */
        ModelRow: {
            /** Available */
            available: boolean;
            /** Entry */
            entry?: {
                [key: string]: unknown;
            } | null;
            /** Name */
            name: string;
            /** Performance */
            performance?: {
                [key: string]: unknown;
            } | null;
        };
        /**
         * ModelTags
         * @description Ollama's /api/tags shape plus each model's `backend`; `errors` per backend.
         */
        ModelTags: {
            /** Errors */
            errors?: {
                [key: string]: unknown;
            };
            /** Models */
            models: {
                [key: string]: unknown;
            }[];
        };
        /** ModelsList */
        ModelsList: {
            /** Models */
            models: components["schemas"]["ModelRow"][];
        };
        /** ModelsSummary */
        ModelsSummary: {
            /** Busiest */
            busiest: string[];
            /** By Backend */
            by_backend: {
                [key: string]: {
                    [key: string]: unknown;
                };
            };
            /** Calls */
            calls: number;
            /** Cancelled */
            cancelled: number;
            /** Completion Tokens */
            completion_tokens: number;
            /** Errors */
            errors: number;
            /** Models */
            models: number;
            /** Prompt Tokens */
            prompt_tokens: number;
            /** Success Rate */
            success_rate?: number | null;
        };
        /**
         * NativeChatRequest
         * @description /api/chat as Ollama's client sends it (it always sends `tools`, mostly empty).
         */
        NativeChatRequest: {
            /** Format */
            format?: "json" | {
                [key: string]: unknown;
            } | null;
            /** Keep Alive */
            keep_alive?: string | number | null;
            /** Messages */
            messages: components["schemas"]["ChatMessage"][];
            /** Model */
            model: string;
            options?: components["schemas"]["GenerationOptions"] | null;
            /**
             * Stream
             * @default true
             */
            stream: boolean;
            /** Tools */
            tools?: {
                [key: string]: unknown;
            }[] | null;
        };
        /**
         * NodeStatus
         * @enum {string}
         */
        NodeStatus: "created" | "evaluated" | "pruned" | "selected";
        /**
         * NodeView
         * @description One Ray node as an operator sees it (GET /api/v1/health/nodes, `pygent status`).
         */
        NodeView: {
            /** Actors */
            actors: string[];
            /** Address */
            address: string;
            /** Alive */
            alive: boolean;
            /** Head */
            head: boolean;
            /** Node Id */
            node_id: string;
            /** Resources */
            resources: {
                [key: string]: number;
            };
        };
        /**
         * ObjectiveSpec
         * @description One objective: a field of the evaluations, aggregated over a genome's val examples.
         */
        ObjectiveSpec: {
            /** @default mean */
            aggregate: components["schemas"]["Aggregate"];
            direction: components["schemas"]["Direction"];
            /** Field */
            field: string;
            /** Name */
            name: string;
            /** Reference */
            reference: number;
        };
        /**
         * OllamaVersion
         * @description GET /api/version.
         */
        OllamaVersion: {
            /** Version */
            version: string;
        };
        /** OpenAIAnswerMessage */
        OpenAIAnswerMessage: {
            /** Content */
            content?: string | null;
            /** Refusal */
            refusal?: string | null;
            /**
             * Role
             * @default assistant
             * @constant
             */
            role: "assistant";
            /** Tool Calls */
            tool_calls?: components["schemas"]["OpenAIToolCall"][] | null;
        };
        /**
         * OpenAIChatCompletion
         * @description The answer when `stream` is false.
         */
        OpenAIChatCompletion: {
            /** Choices */
            choices: components["schemas"]["OpenAIChoice"][];
            /** Created */
            created: number;
            /** Id */
            id: string;
            /** Model */
            model: string;
            /**
             * Object
             * @default chat.completion
             * @constant
             */
            object: "chat.completion";
            /** System Fingerprint */
            system_fingerprint?: string | null;
            usage?: components["schemas"]["OpenAIUsage"] | null;
        };
        /**
         * OpenAIChatRequest
         * @description POST /v1/chat/completions.
         */
        OpenAIChatRequest: {
            /** Frequency Penalty */
            frequency_penalty?: number | null;
            /** Logprobs */
            logprobs?: boolean | null;
            /** Max Completion Tokens */
            max_completion_tokens?: number | null;
            /** Max Tokens */
            max_tokens?: number | null;
            /** Messages */
            messages: components["schemas"]["OpenAIMessage"][];
            /**
             * Model
             * @description None: configs compat.default_model
             */
            model?: string | null;
            /**
             * N
             * @description one choice per request
             */
            n?: number | null;
            /** Parallel Tool Calls */
            parallel_tool_calls?: boolean | null;
            /** Presence Penalty */
            presence_penalty?: number | null;
            response_format?: components["schemas"]["OpenAIResponseFormat"] | null;
            /** Seed */
            seed?: number | null;
            /** Stop */
            stop?: string | string[] | null;
            /**
             * Stream
             * @default false
             */
            stream: boolean;
            stream_options?: components["schemas"]["OpenAIStreamOptions"] | null;
            /** Temperature */
            temperature?: number | null;
            /** Tool Choice */
            tool_choice?: ("none" | "auto" | "required") | components["schemas"]["OpenAIToolChoice"] | null;
            /** Tools */
            tools?: components["schemas"]["OpenAITool"][] | null;
            /** Top Logprobs */
            top_logprobs?: number | null;
            /** Top P */
            top_p?: number | null;
            /** User */
            user?: string | null;
        };
        /** OpenAIChoice */
        OpenAIChoice: {
            /** Finish Reason */
            finish_reason?: ("stop" | "length" | "tool_calls" | "content_filter") | null;
            /**
             * Index
             * @default 0
             */
            index: number;
            /** Logprobs */
            logprobs?: null;
            message: components["schemas"]["OpenAIAnswerMessage"];
        };
        /**
         * OpenAIContentPart
         * @description A part of a message's content; only text parts can be answered.
         */
        OpenAIContentPart: {
            /** Text */
            text?: string | null;
            /** Type */
            type: string;
        };
        /** OpenAIEmbedding */
        OpenAIEmbedding: {
            /** Embedding */
            embedding: number[] | string;
            /** Index */
            index: number;
            /**
             * Object
             * @default embedding
             * @constant
             */
            object: "embedding";
        };
        /** OpenAIEmbeddingList */
        OpenAIEmbeddingList: {
            /** Data */
            data: components["schemas"]["OpenAIEmbedding"][];
            /** Model */
            model: string;
            /**
             * Object
             * @default list
             * @constant
             */
            object: "list";
            usage: components["schemas"]["OpenAIEmbeddingUsage"];
        };
        /**
         * OpenAIEmbeddingRequest
         * @description POST /v1/embeddings. `input`: a text or a list of texts (token arrays are refused).
         */
        OpenAIEmbeddingRequest: {
            /** Dimensions */
            dimensions?: number | null;
            /**
             * Encoding Format
             * @default float
             * @enum {string}
             */
            encoding_format: "float" | "base64";
            /** Input */
            input: string | string[] | number[] | number[][];
            /**
             * Model
             * @description None: configs embeddings.name
             */
            model?: string | null;
            /** User */
            user?: string | null;
        };
        /** OpenAIEmbeddingUsage */
        OpenAIEmbeddingUsage: {
            /**
             * Prompt Tokens
             * @default 0
             */
            prompt_tokens: number;
            /**
             * Total Tokens
             * @default 0
             */
            total_tokens: number;
        };
        /**
         * OpenAIErrorBody
         * @description Every /v1 refusal or failure: `{"error": {"message", "type", "param", "code"}}`.
         */
        OpenAIErrorBody: {
            error: components["schemas"]["OpenAIErrorDetail"];
        };
        /** OpenAIErrorDetail */
        OpenAIErrorDetail: {
            /** Code */
            code?: string | null;
            /** Message */
            message: string;
            /** Param */
            param?: string | null;
            /** Type */
            type: string;
        };
        /** OpenAIFunction */
        OpenAIFunction: {
            /** Description */
            description?: string | null;
            /** Name */
            name: string;
            /** Parameters */
            parameters?: {
                [key: string]: unknown;
            } | null;
            /** Strict */
            strict?: boolean | null;
        };
        /** OpenAIJsonSchema */
        OpenAIJsonSchema: {
            /** Description */
            description?: string | null;
            /** Name */
            name: string;
            /** Schema */
            schema?: {
                [key: string]: unknown;
            } | null;
            /** Strict */
            strict?: boolean | null;
        };
        /** OpenAIMessage */
        OpenAIMessage: {
            /** Content */
            content?: string | components["schemas"]["OpenAIContentPart"][] | null;
            /** Name */
            name?: string | null;
            /**
             * Role
             * @enum {string}
             */
            role: "system" | "developer" | "user" | "assistant" | "tool" | "function";
            /** Tool Call Id */
            tool_call_id?: string | null;
            /** Tool Calls */
            tool_calls?: components["schemas"]["OpenAIToolCall"][] | null;
        };
        /**
         * OpenAIModel
         * @description One entry of GET /v1/models. `owned_by` says which kind it is: `pygent` (embedded),
         *     `ollama`, `pygent-agent`, `pygent-reasoning`.
         */
        OpenAIModel: {
            /**
             * Created
             * @default 0
             */
            created: number;
            /** Id */
            id: string;
            /**
             * Object
             * @default model
             * @constant
             */
            object: "model";
            /** Owned By */
            owned_by: string;
        };
        /** OpenAIModelList */
        OpenAIModelList: {
            /** Data */
            data: components["schemas"]["OpenAIModel"][];
            /**
             * Object
             * @default list
             * @constant
             */
            object: "list";
        };
        /** OpenAINamedFunction */
        OpenAINamedFunction: {
            /** Name */
            name: string;
        };
        /** OpenAIResponseFormat */
        OpenAIResponseFormat: {
            json_schema?: components["schemas"]["OpenAIJsonSchema"] | null;
            /**
             * Type
             * @enum {string}
             */
            type: "text" | "json_object" | "json_schema";
        };
        /** OpenAIStreamOptions */
        OpenAIStreamOptions: {
            /**
             * Include Usage
             * @default false
             */
            include_usage: boolean;
        };
        /** OpenAITool */
        OpenAITool: {
            function: components["schemas"]["OpenAIFunction"];
            /**
             * Type
             * @constant
             */
            type: "function";
        };
        /** OpenAIToolCall */
        OpenAIToolCall: {
            function: components["schemas"]["OpenAIToolCallFunction"];
            /** Id */
            id: string;
            /**
             * Type
             * @default function
             * @constant
             */
            type: "function";
        };
        /** OpenAIToolCallFunction */
        OpenAIToolCallFunction: {
            /**
             * Arguments
             * @default {}
             */
            arguments: string;
            /** Name */
            name: string;
        };
        /**
         * OpenAIToolChoice
         * @description Call this function: `{"type": "function", "function": {"name": ...}}`.
         */
        OpenAIToolChoice: {
            function: components["schemas"]["OpenAINamedFunction"];
            /**
             * Type
             * @constant
             */
            type: "function";
        };
        /** OpenAIUsage */
        OpenAIUsage: {
            /**
             * Completion Tokens
             * @default 0
             */
            completion_tokens: number;
            /**
             * Prompt Tokens
             * @default 0
             */
            prompt_tokens: number;
            /**
             * Total Tokens
             * @default 0
             */
            total_tokens: number;
        };
        /**
         * Operator
         * @enum {string}
         */
        Operator: "seed" | "sample" | "numeric" | "reflect" | "text_crossover" | "migrant";
        /**
         * ParentSelection
         * @enum {string}
         */
        ParentSelection: "tournament" | "pareto_wins";
        /** Passage */
        Passage: {
            /** Id */
            id: string;
            /**
             * Score
             * @default 0
             */
            score: number;
            /** Source */
            source?: string | null;
            /** Text */
            text: string;
        };
        /** Percentiles */
        Percentiles: {
            /** Count */
            count: number;
            /** P50 */
            p50: number | null;
            /** P95 */
            p95: number | null;
            /** P99 */
            p99: number | null;
        };
        /**
         * PerformanceRow
         * @description One model's recorded performance (protocols.model_stats.ModelPerformance).
         */
        PerformanceRow: {
            /** Model */
            model: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * Progress
         * @description A pull/create progress object (the last one when `stream` is false).
         */
        Progress: {
            /** Status */
            status?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** PublishBody */
        PublishBody: {
            /** Data */
            data?: {
                [key: string]: unknown;
            };
            /** Topic */
            topic: string;
            /** Type */
            type: string;
        };
        /** PublishResponse */
        PublishResponse: {
            /** Seq */
            seq?: number | null;
        };
        /** PullRequest */
        PullRequest: {
            /** Model */
            model?: string | null;
            /**
             * Name
             * @description alias of model (older Ollama)
             */
            name?: string | null;
            /**
             * Stream
             * @default true
             */
            stream: boolean;
        };
        /** RagConfig */
        RagConfig: {
            /**
             * K
             * @default 5
             */
            k: number;
            /**
             * Max Tokens
             * @default 384
             */
            max_tokens: number;
            /** @default hybrid */
            mode: components["schemas"]["SearchMode"];
            /**
             * Temperature
             * @default 0.2
             */
            temperature: number;
        };
        /** RatingAnswer */
        RatingAnswer: {
            /** Id */
            id?: unknown;
            /** Model */
            model: string;
        } & {
            [key: string]: unknown;
        };
        /** RatingRequest */
        RatingRequest: {
            /**
             * Comment
             * @default
             */
            comment: string;
            /** Rating */
            rating: number;
            /** Task Kind */
            task_kind?: string | null;
        };
        /** RealSpace */
        RealSpace: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "real";
            /** Lower */
            lower: number[];
            /** Upper */
            upper: number[];
        };
        /**
         * RealVector
         * @description A box-bounded real vector: the genome of numeric test problems (ZDT) and benches.
         */
        RealVector: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "real";
            /** X */
            x: number[];
        };
        /**
         * ReasoningDefaults
         * @description GET/POST /reasoning/modes: the defaults a session gets when its request leaves them out.
         */
        ReasoningDefaults: {
            classifier?: components["schemas"]["ClassifierConfig"] | null;
            default_mode: components["schemas"]["ReasoningMode"];
            /** Modes */
            modes?: {
                [key: string]: string;
            };
            rag: components["schemas"]["RagConfig"];
            s3: components["schemas"]["S3Config"];
            tot: components["schemas"]["TreeOfThoughtsConfig"];
        };
        /**
         * ReasoningDefaultsUpdate
         * @description POST /reasoning/modes: only the fields given change (stored, so they outlive restarts).
         */
        ReasoningDefaultsUpdate: {
            /** Calibrations */
            calibrations?: {
                [key: string]: components["schemas"]["RouterCalibration"] | null;
            } | null;
            default_mode?: components["schemas"]["ReasoningMode"] | null;
            rag?: components["schemas"]["RagConfig"] | null;
            s3?: components["schemas"]["S3Config"] | null;
            tot?: components["schemas"]["TreeOfThoughtsConfig"] | null;
        };
        /** ReasoningGene */
        ReasoningGene: {
            /**
             * Beam Width
             * @default 3
             */
            beam_width: number;
            /** @default value */
            evaluate: components["schemas"]["EvaluateMethod"];
            /** @default propose */
            generate: components["schemas"]["GenerateMethod"];
            /**
             * Max Depth
             * @default 3
             */
            max_depth: number;
            /** @default direct */
            mode: components["schemas"]["ReasoningMode"];
            /**
             * Samples
             * @default 3
             */
            samples: number;
        };
        /**
         * ReasoningHistory
         * @description GET /reasoning/history: newest first.
         */
        ReasoningHistory: {
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
            /** Sessions */
            sessions: components["schemas"]["SessionSummary"][];
            /** Total */
            total: number;
        };
        /**
         * ReasoningMode
         * @enum {string}
         */
        ReasoningMode: "direct" | "tot_only" | "rag_only" | "s3_rag" | "tot_enhanced_rag" | "adaptive";
        /** ReasoningResult */
        ReasoningResult: {
            /** Answer */
            answer?: string | null;
            /** Best Path */
            best_path?: string[];
            /** Cited */
            cited?: string[];
            /**
             * Confidence
             * @default 0
             */
            confidence: number;
            /** Error */
            error?: string | null;
            metrics?: components["schemas"]["SessionMetrics"];
            mode: components["schemas"]["ReasoningMode"];
            /** Nodes */
            nodes?: components["schemas"]["ThoughtNode"][];
            /** Passages */
            passages?: components["schemas"]["Passage"][];
            /** Queries */
            queries?: string[];
            routing?: components["schemas"]["RoutingDecision"] | null;
            /** Solved */
            solved?: boolean | null;
            status: components["schemas"]["SessionStatus"];
            /** Stop Reason */
            stop_reason?: string | null;
        };
        /**
         * ReasoningResultView
         * @description GET /reasoning/results/{session_id}: the session and its whole result (nodes included).
         */
        ReasoningResultView: {
            result?: components["schemas"]["ReasoningResult"] | null;
            session: components["schemas"]["SessionSummary"];
        };
        /**
         * ReasoningStatusView
         * @description GET /reasoning/status: the running sessions (or the one asked for) and the totals.
         */
        ReasoningStatusView: {
            default_mode: components["schemas"]["ReasoningMode"];
            /** Running */
            running: number;
            /** Sessions */
            sessions: components["schemas"]["SessionSummary"][];
            /** Totals */
            totals?: {
                [key: string]: number;
            };
        };
        /**
         * ReasoningTree
         * @description GET /reasoning/sessions/{id}/tree: the nodes so far, the winning path once known, and
         *     the passages any node retrieved (by id).
         */
        ReasoningTree: {
            /** Best Path */
            best_path?: string[];
            /** Nodes */
            nodes: components["schemas"]["ThoughtNode"][];
            /** Passages */
            passages?: {
                [key: string]: components["schemas"]["Passage"];
            };
            routing?: components["schemas"]["RoutingDecision"] | null;
            /** Session Id */
            session_id: string;
            status: components["schemas"]["SessionStatus"];
        };
        /**
         * Recipe
         * @description A versioned configuration of an agent pipeline; its content hash is its identity.
         */
        Recipe: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "recipe";
            /**
             * Max Tokens
             * @default 256
             */
            max_tokens: number;
            /** Model */
            model: string;
            reasoning?: components["schemas"]["ReasoningGene"];
            retrieval?: components["schemas"]["RetrievalGene"];
            /**
             * Schema Version
             * @default 1
             * @constant
             */
            schema_version: 1;
            /**
             * System Prompt
             * @default
             */
            system_prompt: string;
            /**
             * Temperature
             * @default 0.7
             */
            temperature: number;
            /** Tools */
            tools?: string[];
        };
        /** RecipeList */
        RecipeList: {
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
            /** Recipes */
            recipes: components["schemas"]["RecipeView"][];
            /** Total */
            total: number;
        };
        /**
         * RecipeSpace
         * @description Which values each numeric or discrete gene may take (a gene with one option stays fixed).
         */
        RecipeSpace: {
            beam_width?: components["schemas"]["IntRange"];
            /** Evaluate */
            evaluate?: components["schemas"]["EvaluateMethod"][];
            /** Generate */
            generate?: components["schemas"]["GenerateMethod"][];
            /** Indexes */
            indexes?: (string | null)[];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "recipe";
            max_depth?: components["schemas"]["IntRange"];
            max_tokens?: components["schemas"]["IntRange"];
            /** Models */
            models: string[];
            /** Modes */
            modes?: components["schemas"]["ReasoningMode"][];
            retrieval_k?: components["schemas"]["IntRange"];
            /** Retrieval Modes */
            retrieval_modes?: components["schemas"]["SearchMode"][];
            rrf_k?: components["schemas"]["IntRange"];
            samples?: components["schemas"]["IntRange"];
            temperature?: components["schemas"]["FloatRange"];
            /** Tools */
            tools?: string[];
        };
        /**
         * RecipeView
         * @description A stored genome: a recipe (or a real vector, for numeric runs) with where it came from.
         */
        RecipeView: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Genome */
            genome: components["schemas"]["Recipe"] | components["schemas"]["RealVector"];
            lineage?: components["schemas"]["Lineage"] | null;
            /** Name */
            name?: string | null;
            /** Objectives */
            objectives?: {
                [key: string]: number;
            };
            /** Recipe Id */
            recipe_id: string;
            /** Run Id */
            run_id?: string | null;
        };
        /** Recommendation */
        Recommendation: {
            /** Backend */
            backend: string;
            /** Confidence */
            confidence: number;
            /** Model */
            model: string;
            performance: components["schemas"]["ModelPerformance"];
            /** Reasons */
            reasons: string[];
            /** Score */
            score: number;
        };
        /** RecommendationRequest */
        RecommendationRequest: {
            /**
             * Limit
             * @default 3
             */
            limit: number;
            /** Task Kind */
            task_kind: string;
            /**
             * Weight Latency
             * @default 0.1
             */
            weight_latency: number;
            /**
             * Weight Quality
             * @default 0.4
             */
            weight_quality: number;
            /**
             * Weight Reliability
             * @default 0.3
             */
            weight_reliability: number;
            /**
             * Weight Speed
             * @default 0.2
             */
            weight_speed: number;
        };
        /** RecommendationResponse */
        RecommendationResponse: {
            /** Recommendations */
            recommendations: components["schemas"]["Recommendation"][];
            /** Task Kind */
            task_kind: string;
        };
        /** ReportView */
        ReportView: {
            /** Citations */
            citations: components["schemas"]["Citation"][];
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Markdown */
            markdown: string;
            /** Report Id */
            report_id: string;
            /** Sub Questions */
            sub_questions: string[];
            /** Title */
            title: string;
        };
        /**
         * ResearchDocument
         * @description A document to add to the index before the research starts.
         */
        ResearchDocument: {
            /** Content */
            content: string;
            /**
             * Format
             * @default markdown
             */
            format: string;
            /** Source */
            source?: string | null;
        };
        /**
         * ResearchLimits
         * @description Bounds on one run (the small embedded model is slow: every model call is bounded).
         */
        ResearchLimits: {
            /**
             * Answer Max Tokens
             * @default 160
             */
            answer_max_tokens: number;
            /**
             * Concurrency
             * @default 2
             */
            concurrency: number;
            /**
             * Max Facts
             * @default 4
             */
            max_facts: number;
            /**
             * Max Sub Questions
             * @default 3
             */
            max_sub_questions: number;
            /**
             * Plan Max Tokens
             * @default 96
             */
            plan_max_tokens: number;
            /**
             * Reasoning Turns
             * @default 1
             */
            reasoning_turns: number;
            /**
             * Search K
             * @default 4
             */
            search_k: number;
            /**
             * Summary Max Tokens
             * @default 160
             */
            summary_max_tokens: number;
        };
        /**
         * RestartType
         * @enum {string}
         */
        RestartType: "permanent" | "transient" | "temporary";
        /** RetrievalGene */
        RetrievalGene: {
            /** Index */
            index?: string | null;
            /**
             * K
             * @default 5
             */
            k: number;
            /** @default hybrid */
            mode: components["schemas"]["SearchMode"];
            /**
             * Rrf K
             * @default 60
             */
            rrf_k: number;
        };
        /**
         * Role
         * @enum {string}
         */
        Role: "viewer" | "user" | "admin";
        /**
         * RouteDecision
         * @description Which agent type the chat router picked for a message, and why.
         */
        RouteDecision: {
            /** Agent Type */
            agent_type: string;
            /** Reason */
            reason: string;
            /** Scores */
            scores?: {
                [key: string]: number;
            };
        };
        /**
         * RouterCalibration
         * @description One model's labelled queries, labelled by that model's own outcomes (Adaptive-RAG: the
         *     simplest mode that answered right): what a strong model answers without retrieval, a small
         *     one may not. Its sessions are routed by their k nearest labelled queries.
         */
        RouterCalibration: {
            /**
             * Embedding Weight
             * @default 1
             */
            embedding_weight: number;
            /** Examples */
            examples: {
                [key: string]: string[];
            };
            /**
             * K
             * @default 7
             */
            k: number;
            /**
             * Source
             * @default
             */
            source: string;
        };
        /**
         * RoutingDecision
         * @description What ADAPTIVE chose and why; stored with the session's outcome to measure routing.
         */
        RoutingDecision: {
            complexity: components["schemas"]["Complexity"];
            /** Features */
            features?: {
                [key: string]: unknown;
            };
            /** Method */
            method: string;
            mode: components["schemas"]["ReasoningMode"];
            /** Scores */
            scores?: {
                [key: string]: number;
            };
            /** Task Kind */
            task_kind: string;
        };
        /** RunConfig */
        RunConfig: {
            budget?: components["schemas"]["Budget"];
            cascade?: components["schemas"]["Cascade"];
            /**
             * Generations
             * @default 10
             */
            generations: number;
            /**
             * Islands
             * @default 1
             */
            islands: number;
            /**
             * Migration Interval
             * @default 5
             */
            migration_interval: number;
            /**
             * Migration Rate
             * @default 0.1
             */
            migration_rate: number;
            /** Objectives */
            objectives: components["schemas"]["ObjectiveSpec"][];
            /** Offspring */
            offspring?: number | null;
            /** @default tournament */
            parent_selection: components["schemas"]["ParentSelection"];
            /** Patience */
            patience?: number | null;
            /**
             * Population Size
             * @default 16
             */
            population_size: number;
            /**
             * Seed
             * @default 0
             */
            seed: number;
            /** Seeds */
            seeds?: (components["schemas"]["Recipe"] | components["schemas"]["RealVector"])[];
            /** Space */
            space: components["schemas"]["RecipeSpace"] | components["schemas"]["RealSpace"];
            /** Task */
            task: string;
            text?: components["schemas"]["TextVariation"];
        };
        /** RunProgress */
        RunProgress: {
            /** Best */
            best: {
                [key: string]: number;
            };
            /** Diversity */
            diversity: number;
            /** Elapsed S */
            elapsed_s: number;
            /** Evaluations */
            evaluations: number;
            /** Front */
            front: components["schemas"]["Member"][];
            /** Generation */
            generation: number;
            /** Hypervolume */
            hypervolume: number;
            /** Islands */
            islands: components["schemas"]["IslandProgress"][];
            status: components["schemas"]["RunStatus"];
            stop_reason?: components["schemas"]["StopReason"] | null;
        };
        /**
         * RunStatus
         * @enum {string}
         */
        RunStatus: "running" | "completed" | "stopped" | "failed";
        /**
         * RunSummary
         * @description One run as lists show it.
         */
        RunSummary: {
            /** Best */
            best?: {
                [key: string]: number;
            };
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Error */
            error?: string | null;
            /**
             * Evaluations
             * @default 0
             */
            evaluations: number;
            /** Finished At */
            finished_at?: string | null;
            /**
             * Generation
             * @default 0
             */
            generation: number;
            /** Generations */
            generations: number;
            /**
             * Hypervolume
             * @default 0
             */
            hypervolume: number;
            /** Islands */
            islands: number;
            /** Objectives */
            objectives: string[];
            /** Population Size */
            population_size: number;
            /**
             * Restarts
             * @default 0
             */
            restarts: number;
            /** Run Id */
            run_id: string;
            status: components["schemas"]["RunStatus"];
            stop_reason?: components["schemas"]["StopReason"] | null;
            /** Task */
            task: string;
        };
        /**
         * RunView
         * @description GET /evolution/runs/{id}: the run, its configuration, its latest progress and history.
         */
        RunView: {
            config: components["schemas"]["RunConfig"];
            /**
             * Duplicates
             * @default 0
             */
            duplicates: number;
            /** History */
            history?: components["schemas"]["HistoryPoint"][];
            progress?: components["schemas"]["RunProgress"] | null;
            run: components["schemas"]["RunSummary"];
            /**
             * Stored Evaluations
             * @default 0
             */
            stored_evaluations: number;
        };
        /**
         * RunningModel
         * @description An entry of GET /api/ps: a model held in memory now.
         */
        RunningModel: {
            /** Context Length */
            context_length?: number | null;
            /** Details */
            details?: {
                [key: string]: unknown;
            };
            /** Digest */
            digest?: string | null;
            /** Expires At */
            expires_at?: string | null;
            /** Model */
            model: string;
            /** Name */
            name: string;
            /** Size */
            size?: number | null;
            /** Size Vram */
            size_vram?: number | null;
        } & {
            [key: string]: unknown;
        };
        /** RunningModels */
        RunningModels: {
            /** Models */
            models: components["schemas"]["RunningModel"][];
        };
        /** S3Config */
        S3Config: {
            /**
             * K
             * @default 5
             */
            k: number;
            /**
             * Max Kept
             * @default 8
             */
            max_kept: number;
            /**
             * Max Tokens
             * @default 384
             */
            max_tokens: number;
            /**
             * Max Turns
             * @default 3
             */
            max_turns: number;
            /** @default hybrid */
            mode: components["schemas"]["SearchMode"];
            /**
             * Temperature
             * @default 0.2
             */
            temperature: number;
        };
        /**
         * Scope
         * @enum {string}
         */
        Scope: "read" | "write" | "admin";
        /**
         * SearchAlgorithm
         * @enum {string}
         */
        SearchAlgorithm: "bfs" | "dfs";
        /** SearchAnswer */
        SearchAnswer: {
            backend?: components["schemas"]["SearchBackend"] | null;
            /** Index */
            index: string;
            mode: components["schemas"]["SearchMode"];
            /**
             * Partial
             * @default false
             */
            partial: boolean;
            /** Results */
            results: components["schemas"]["SearchResult"][];
            /**
             * Shards
             * @default 0
             */
            shards: number;
            /**
             * Shards Answered
             * @default 0
             */
            shards_answered: number;
            /**
             * Took Ms
             * @default 0
             */
            took_ms: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * SearchBackend
         * @enum {string}
         */
        SearchBackend: "faiss" | "pgvector";
        /** SearchIn */
        SearchIn: {
            /**
             * Backend
             * @description faiss | pgvector (default: the index's)
             */
            backend?: string | null;
            /**
             * Filters
             * @description metadata filters: {"key": value or [values]}
             */
            filters?: {
                [key: string]: unknown;
            } | null;
            /**
             * Index
             * @default default
             */
            index: string;
            /**
             * K
             * @default 5
             */
            k: number;
            /**
             * Query
             * @default
             */
            query: string;
            /**
             * Weights
             * @description hybrid only: RRF weights [vector, keyword]
             */
            weights?: number[] | null;
        };
        /**
         * SearchMode
         * @enum {string}
         */
        SearchMode: "semantic" | "keyword" | "hybrid";
        /** SearchResult */
        SearchResult: {
            /** Chunk Id */
            chunk_id: number;
            /** Document Id */
            document_id: string;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            };
            /** Score */
            score: number;
            /** Shard */
            shard?: number | null;
            /** Text */
            text: string;
        };
        /**
         * SearchStats
         * @description Counts, sizes, latency percentiles and a recall@10 estimate per index.
         */
        SearchStats: {
            /** Chunks */
            chunks: number;
            /** Documents */
            documents: number;
            /** Documents Added */
            documents_added: number;
            /** Indexes */
            indexes: components["schemas"]["IndexStats"][];
            /**
             * Latency Ms
             * @description per search mode, over the latest searches
             */
            latency_ms: {
                [key: string]: components["schemas"]["Percentiles"];
            };
            /**
             * Sizes
             * @description bytes on disk of the tables and their indexes
             */
            sizes: {
                [key: string]: number | null;
            };
        } & {
            [key: string]: unknown;
        };
        /**
         * SelectMethod
         * @enum {string}
         */
        SelectMethod: "greedy" | "sample";
        /**
         * SessionAnswer
         * @description A login or refresh: the access token (also set as an httpOnly cookie for the UI) and who.
         *     The refresh token travels only as an httpOnly cookie.
         */
        SessionAnswer: {
            /** Access Token */
            access_token: string;
            /** Expires In */
            expires_in: number;
            /**
             * Token Type
             * @default bearer
             */
            token_type: string;
            user: components["schemas"]["UserView"];
        };
        /** SessionMetrics */
        SessionMetrics: {
            /**
             * Completion Tokens
             * @default 0
             */
            completion_tokens: number;
            /**
             * Model Calls
             * @default 0
             */
            model_calls: number;
            /**
             * Nodes Evaluated
             * @default 0
             */
            nodes_evaluated: number;
            /**
             * Nodes Generated
             * @default 0
             */
            nodes_generated: number;
            /**
             * Nodes Pruned
             * @default 0
             */
            nodes_pruned: number;
            /**
             * Prompt Tokens
             * @default 0
             */
            prompt_tokens: number;
            /**
             * Retrieval Calls
             * @default 0
             */
            retrieval_calls: number;
            /**
             * Wall Time S
             * @default 0
             */
            wall_time_s: number;
        };
        /**
         * SessionStatus
         * @enum {string}
         */
        SessionStatus: "running" | "completed" | "stopped" | "failed";
        /**
         * SessionSummary
         * @description One session as lists show it.
         */
        SessionSummary: {
            /** Answer */
            answer?: string | null;
            /**
             * Confidence
             * @default 0
             */
            confidence: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Error */
            error?: string | null;
            /** Finished At */
            finished_at?: string | null;
            /** Index */
            index: string;
            metrics?: components["schemas"]["SessionMetrics"];
            mode: components["schemas"]["ReasoningMode"];
            /** Model */
            model: string;
            /**
             * Nodes
             * @default 0
             */
            nodes: number;
            /** Query */
            query: string;
            resolved_mode?: components["schemas"]["ReasoningMode"] | null;
            /**
             * Restarts
             * @default 0
             */
            restarts: number;
            /** Session Id */
            session_id: string;
            /** Solved */
            solved?: boolean | null;
            status: components["schemas"]["SessionStatus"];
            task: components["schemas"]["TaskKind"];
        };
        /**
         * SetupBody
         * @description The first admin (only while no user exists).
         */
        SetupBody: {
            /** Password */
            password: string;
            /** Username */
            username: string;
        };
        /**
         * SetupStatus
         * @description Whether the first admin still has to be created (the UI shows the setup page then).
         */
        SetupStatus: {
            /** Needs Setup */
            needs_setup: boolean;
        };
        /**
         * ShowAnswer
         * @description POST /api/show: modelfile, parameters (text), template, details, model_info, capabilities.
         */
        ShowAnswer: {
            /** Capabilities */
            capabilities?: string[];
            /** Details */
            details?: {
                [key: string]: unknown;
            };
            /** Model Info */
            model_info?: {
                [key: string]: unknown;
            } | null;
            /** Modelfile */
            modelfile?: string | null;
            /** Parameters */
            parameters?: string | null;
            /** Template */
            template?: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * ShowBody
         * @description POST /api/show.
         */
        ShowBody: {
            /** Model */
            model?: string | null;
            /**
             * Name
             * @description alias of model (older Ollama)
             */
            name?: string | null;
            /**
             * Verbose
             * @default false
             */
            verbose: boolean;
        };
        /**
         * StartEvolutionBody
         * @description POST /evolution/start (and the /ws `start_evolution` message). Everything left out
         *     takes the defaults of configs/evolution.yaml; `space` merges key by key with the default
         *     recipe space. Seeds: recipes given inline, and stored recipes by id.
         */
        StartEvolutionBody: {
            budget?: components["schemas"]["Budget"] | null;
            cascade?: components["schemas"]["Cascade"] | null;
            /** Generations */
            generations?: number | null;
            /** Islands */
            islands?: number | null;
            /** Migration Interval */
            migration_interval?: number | null;
            /** Migration Rate */
            migration_rate?: number | null;
            /** Objectives */
            objectives?: (string | components["schemas"]["ObjectiveSpec"])[] | null;
            /** Offspring */
            offspring?: number | null;
            parent_selection?: components["schemas"]["ParentSelection"] | null;
            /** Patience */
            patience?: number | null;
            /** Population Size */
            population_size?: number | null;
            /** Run Id */
            run_id?: string | null;
            /** Seed */
            seed?: number | null;
            /**
             * Seed Recipes
             * @description ids of stored recipes to seed with
             */
            seed_recipes?: string[] | null;
            /** Seeds */
            seeds?: (components["schemas"]["Recipe"] | components["schemas"]["RealVector"])[] | null;
            /** Space */
            space?: {
                [key: string]: unknown;
            } | null;
            /**
             * Task
             * @description game24, python_docs_qa, or pymoo:<problem>
             */
            task: string;
            text?: components["schemas"]["TextVariation"] | null;
        };
        /**
         * StartReasoningBody
         * @description POST /reasoning/start (and the /ws `start_reasoning` message, and the `reasoning` MCP tool).
         */
        StartReasoningBody: {
            /** Index */
            index?: string | null;
            mode?: components["schemas"]["ReasoningMode"] | null;
            /** Model */
            model?: string | null;
            /** Query */
            query: string;
            rag?: components["schemas"]["RagConfig"] | null;
            s3?: components["schemas"]["S3Config"] | null;
            /** @default open */
            task: components["schemas"]["TaskKind"];
            tot?: components["schemas"]["TreeOfThoughtsConfig"] | null;
        };
        /**
         * StartResearchBody
         * @description POST /workflows/research-analysis (and the `research` MCP tool).
         */
        StartResearchBody: {
            /** Documents */
            documents?: components["schemas"]["ResearchDocument"][];
            /** Index */
            index?: string | null;
            limits?: components["schemas"]["ResearchLimits"] | null;
            mode?: components["schemas"]["ReasoningMode"] | null;
            /** Model */
            model?: string | null;
            /** Question */
            question: string;
            /** Urls */
            urls?: string[];
            /** Workflow Id */
            workflow_id?: string | null;
        };
        /** StepView */
        StepView: {
            /** Completed At */
            completed_at?: string | null;
            /** Error */
            error?: string | null;
            /** Name */
            name: string;
            /** Started At */
            started_at?: string | null;
            /** Status */
            status: string;
            /** Step Id */
            step_id: number;
            /** Summary */
            summary?: string | null;
        };
        /** StopEvolutionBody */
        StopEvolutionBody: {
            /** Run Id */
            run_id: string;
        };
        /**
         * StopReason
         * @enum {string}
         */
        StopReason: "generations" | "metric_calls" | "wall_time" | "patience" | "user";
        /** StopReasoningBody */
        StopReasoningBody: {
            /** Session Id */
            session_id: string;
        };
        /**
         * Strategy
         * @enum {string}
         */
        Strategy: "one_for_one" | "one_for_all" | "rest_for_one" | "simple_one_for_one";
        /**
         * SubsystemHealth
         * @description One part of the platform (agents, MCP, memory, RAG): its actors' supervision states
         *     and what its service answered when asked (`checks`), within a bounded time.
         */
        SubsystemHealth: {
            /** Checked At */
            checked_at: number;
            /** Checks */
            checks?: {
                [key: string]: unknown;
            };
            /** Components */
            components?: {
                [key: string]: components["schemas"]["ComponentHealth"];
            };
            /** Detail */
            detail?: string | null;
            /**
             * Status
             * @enum {string}
             */
            status: "ok" | "degraded" | "down";
        };
        /** SystemEvents */
        SystemEvents: {
            /** Events */
            events: {
                [key: string]: unknown;
            }[];
        };
        /**
         * SystemMetrics
         * @description The monitor's sample: the machine's CPU and memory and the Ray nodes'.
         */
        SystemMetrics: {
            [key: string]: unknown;
        };
        /**
         * TaskKind
         * @enum {string}
         */
        TaskKind: "open" | "game24";
        /**
         * TextVariation
         * @description LLM-guided variation of the system prompt (recipes only).
         */
        TextVariation: {
            /**
             * Crossover Rate
             * @default 0.2
             */
            crossover_rate: number;
            /**
             * Max Feedback Chars
             * @default 600
             */
            max_feedback_chars: number;
            /**
             * Max Prompt Chars
             * @default 4000
             */
            max_prompt_chars: number;
            /**
             * Max Tokens
             * @default 512
             */
            max_tokens: number;
            /**
             * Minibatch Size
             * @default 3
             */
            minibatch_size: number;
            /**
             * Reflect Rate
             * @default 0.5
             */
            reflect_rate: number;
            /**
             * Temperature
             * @default 0.7
             */
            temperature: number;
        };
        /**
         * ThoughtNode
         * @description One node of a thought tree; the node store keeps the latest version per id.
         */
        ThoughtNode: {
            /**
             * Depth
             * @default 0
             */
            depth: number;
            /**
             * Expanded
             * @default false
             */
            expanded: boolean;
            /** Id */
            id: string;
            /** Note */
            note?: string | null;
            /** Parent Id */
            parent_id?: string | null;
            /** Passage Ids */
            passage_ids?: string[];
            /**
             * State
             * @default
             */
            state: string;
            /** @default created */
            status: components["schemas"]["NodeStatus"];
            /**
             * Terminal
             * @default false
             */
            terminal: boolean;
            /**
             * Thought
             * @default
             */
            thought: string;
            /** Value */
            value?: number | null;
        };
        /** ToolsBody */
        ToolsBody: {
            /** Tools */
            tools: string[];
        };
        /**
         * TrackedModel
         * @description A tracked model entry (what it is for).
         */
        TrackedModel: {
            /** Name */
            name: string;
        } & {
            [key: string]: unknown;
        };
        /** TreeOfThoughtsConfig */
        TreeOfThoughtsConfig: {
            /**
             * Beam Width
             * @default 5
             */
            beam_width: number;
            /** @default value */
            evaluate: components["schemas"]["EvaluateMethod"];
            /** @default model */
            evaluator: components["schemas"]["Evaluator"];
            /** @default propose */
            generate: components["schemas"]["GenerateMethod"];
            /**
             * Max Depth
             * @default 4
             */
            max_depth: number;
            /**
             * Max Proposals
             * @default 16
             */
            max_proposals: number;
            /**
             * Max Steps
             * @default 100
             */
            max_steps: number;
            /**
             * Max Tokens
             * @default 256
             */
            max_tokens: number;
            /**
             * N Evaluate Sample
             * @default 3
             */
            n_evaluate_sample: number;
            /**
             * N Generate Sample
             * @default 5
             */
            n_generate_sample: number;
            /**
             * Prune Threshold
             * @default 0
             */
            prune_threshold: number;
            /**
             * Retrieval K
             * @default 3
             */
            retrieval_k: number;
            /** @default bfs */
            search: components["schemas"]["SearchAlgorithm"];
            /** Seed */
            seed?: number | null;
            /** @default greedy */
            select: components["schemas"]["SelectMethod"];
            /**
             * Temperature
             * @default 0.7
             */
            temperature: number;
            /** Value Map */
            value_map?: {
                [key: string]: number;
            };
        };
        /** UiConfig */
        UiConfig: {
            /** Base Path */
            base_path: string;
            /** Dashboard Url */
            dashboard_url?: string | null;
            /** Version */
            version: string;
        };
        /** UserCreate */
        UserCreate: {
            /** Password */
            password: string;
            /** @default user */
            role: components["schemas"]["Role"];
            /** Username */
            username: string;
        };
        /** UserList */
        UserList: {
            /** Users */
            users: components["schemas"]["UserView"][];
        };
        /** UserUpdate */
        UserUpdate: {
            /** Disabled */
            disabled?: boolean | null;
            /** Password */
            password?: string | null;
            role?: components["schemas"]["Role"] | null;
        };
        /** UserView */
        UserView: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Disabled
             * @default false
             */
            disabled: boolean;
            /** Id */
            id: string;
            /** Last Login At */
            last_login_at?: string | null;
            role: components["schemas"]["Role"];
            /** Username */
            username: string;
        };
        /** WorkflowList */
        WorkflowList: {
            /** Total */
            total: number;
            /** Workflows */
            workflows: components["schemas"]["WorkflowSummary"][];
        };
        /** WorkflowLogLine */
        WorkflowLogLine: {
            /**
             * At
             * Format: date-time
             */
            at: string;
            /**
             * Level
             * @default info
             */
            level: string;
            /** Message */
            message: string;
            /** Seq */
            seq: number;
            /** Step */
            step?: string | null;
            /** Workflow Id */
            workflow_id: string;
        };
        /** WorkflowLogs */
        WorkflowLogs: {
            /** Lines */
            lines: components["schemas"]["WorkflowLogLine"][];
            /** Workflow Id */
            workflow_id: string;
        };
        /**
         * WorkflowResultView
         * @description GET .../{id}/result: the report once stored (None before), as JSON; `?format=markdown`
         *     answers the Markdown itself (text/markdown).
         */
        WorkflowResultView: {
            report?: components["schemas"]["ReportView"] | null;
            workflow: components["schemas"]["WorkflowSummary"];
        };
        /**
         * WorkflowStatus
         * @enum {string}
         */
        WorkflowStatus: "queued" | "running" | "completed" | "failed" | "cancelled";
        /** WorkflowStatusView */
        WorkflowStatusView: {
            /** Current Step */
            current_step?: string | null;
            /**
             * Progress
             * @default 0
             */
            progress: number;
            /** Steps */
            steps?: components["schemas"]["StepView"][];
            workflow: components["schemas"]["WorkflowSummary"];
        };
        /** WorkflowSummary */
        WorkflowSummary: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Error */
            error?: string | null;
            /**
             * Has Report
             * @default false
             */
            has_report: boolean;
            /** Index */
            index: string;
            mode: components["schemas"]["ReasoningMode"];
            /** Model */
            model: string;
            /** Name */
            name: string;
            /** Question */
            question: string;
            status: components["schemas"]["WorkflowStatus"];
            /** Updated At */
            updated_at?: string | null;
            /** Workflow Id */
            workflow_id: string;
        };
        /** Deleted */
        protocols__auth__Deleted: {
            /**
             * Deleted
             * @default true
             */
            deleted: boolean;
            /** Id */
            id: string;
        };
        /** ExecuteBody */
        protocols__rest_agents__ExecuteBody: {
            /** Task */
            task: string;
        };
        /** ExecuteBody */
        protocols__rest_mcp__ExecuteBody: {
            /** Arguments */
            arguments?: {
                [key: string]: unknown;
            };
            /** Timeout S */
            timeout_s?: number | null;
        };
        /**
         * Deleted
         * @description Ollama's answer to a delete.
         */
        protocols__rest_models__Deleted: {
            [key: string]: unknown;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    chat_api_chat_post: {
        parameters: {
            query?: {
                task_kind?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NativeChatRequest"];
            };
        };
        responses: {
            /** @description one ChatAnswer (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatAnswer"];
                    "application/x-ndjson": components["schemas"]["ChatAnswer"];
                    "text/event-stream": {
                        /** @description one ChatAnswer as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    create_api_create_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateBody"];
            };
        };
        responses: {
            /** @description one Progress (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Progress"];
                    "application/x-ndjson": components["schemas"]["Progress"];
                    "text/event-stream": {
                        /** @description one Progress as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    delete_api_delete_delete: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeleteBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["protocols__rest_models__Deleted"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ollama_embed_api_embed_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmbedRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Embeddings"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    legacy_embeddings_api_embeddings_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LegacyEmbeddingsBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LegacyEmbedding"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ollama_generate_api_generate_post: {
        parameters: {
            query?: {
                task_kind?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["GenerateRequest"];
            };
        };
        responses: {
            /** @description one GenerateAnswer (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GenerateAnswer"];
                    "application/x-ndjson": components["schemas"]["GenerateAnswer"];
                    "text/event-stream": {
                        /** @description one GenerateAnswer as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ps_api_ps_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunningModels"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    pull_api_pull_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PullRequest"];
            };
        };
        responses: {
            /** @description one Progress (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Progress"];
                    "application/x-ndjson": components["schemas"]["Progress"];
                    "text/event-stream": {
                        /** @description one Progress as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    show_api_show_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ShowBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ShowAnswer"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ollama_models_api_tags_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelTags"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    list_agents_api_v1_agents_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_agent_api_v1_agents_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateAgentRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentRow"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    agent_types_api_v1_agents_types_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentTypes"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_agent_api_v1_agents__agent_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentRow"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_agent_api_v1_agents__agent_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentDeleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    execute_api_v1_agents__agent_id__execute_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["protocols__rest_agents__ExecuteBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecuteResult"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    memory_api_v1_agents__agent_id__memory_get: {
        parameters: {
            query?: {
                /** @description recall long-term memories like this */
                query?: string | null;
                limit?: number;
            };
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentMemory"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    message_api_v1_agents__agent_id__message_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MessageBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentChatAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    status_api_v1_agents__agent_id__status_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentLiveStatus"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_tools_api_v1_agents__agent_id__tools_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ToolsBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentRow"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_api_keys_api_v1_api_keys_get: {
        parameters: {
            query?: {
                /** @description admins: every user's keys */
                all?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_api_key_api_v1_api_keys_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiKeyCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_api_key_api_v1_api_keys__key_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    audit_api_v1_audit_get: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
                /** @description only this action (login, key.create, ...) */
                action?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    login_api_v1_auth_login_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    logout_api_v1_auth_logout_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoggedOut"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me_api_v1_auth_me_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    refresh_api_v1_auth_refresh_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    setup_status_api_v1_auth_setup_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SetupStatus"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    setup_api_v1_auth_setup_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetupBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    bus_publish_api_v1_bus_publish_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PublishBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublishResponse"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    bus_request_api_v1_bus_request_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BusRequestBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonRpcResponse"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    conversations_api_v1_chat_conversations_get: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_conversation_api_v1_chat_conversations_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConversationBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Conversation"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_conversation_api_v1_chat_conversations__conversation_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationDeleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    export_api_v1_chat_export_get: {
        parameters: {
            query: {
                conversation_id: string;
                format?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the conversation file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                    "text/markdown": string;
                    "text/plain": string;
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    history_api_v1_chat_history_get: {
        parameters: {
            query: {
                conversation_id: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationHistory"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    chat_message_api_v1_chat_message_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatMessageRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentChatAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    chat_route_api_v1_chat_route_get: {
        parameters: {
            query: {
                message: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RouteDecision"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    recipes_api_v1_evolution_recipes_get: {
        parameters: {
            query?: {
                run_id?: string | null;
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipeList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_recipe_api_v1_evolution_recipes_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateRecipeBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipeView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    recipe_api_v1_evolution_recipes__recipe_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                recipe_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipeView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_recipe_api_v1_evolution_recipes__recipe_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                recipe_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeletedRecipe"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    lineage_api_v1_evolution_recipes__recipe_id__lineage_get: {
        parameters: {
            query?: {
                /** @description generations back */
                depth?: number;
            };
            header?: never;
            path: {
                recipe_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LineageView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    results_api_v1_evolution_results_get: {
        parameters: {
            query?: {
                /** @description latest if none */
                run_id?: string | null;
                /** @description wait up to this long for a running run to end */
                wait_s?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvolutionResults"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    runs_api_v1_evolution_runs_get: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
                status?: components["schemas"]["RunStatus"] | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunSummary"][];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    run_view_api_v1_evolution_runs__run_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    front_api_v1_evolution_runs__run_id__front_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FrontView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start_api_v1_evolution_start_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartEvolutionBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    status_api_v1_evolution_status_get: {
        parameters: {
            query?: {
                run_id?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvolutionStatusView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stop_api_v1_evolution_stop_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StopEvolutionBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_api_v1_health_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthReport"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_agents_api_v1_health_agents_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubsystemHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_database_api_v1_health_database_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatabaseHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_mcp_api_v1_health_mcp_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubsystemHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_memory_api_v1_health_memory_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubsystemHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_nodes_api_v1_health_nodes_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NodeView"][];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_ollama_api_v1_health_ollama_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ComponentHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_rag_api_v1_health_rag_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubsystemHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    discovery_api_v1_mcp_discovery_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Discovered"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    discovery_refresh_api_v1_mcp_discovery_refresh_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Discovered"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_servers_api_v1_mcp_servers_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_server_api_v1_mcp_servers_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AddServerBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerChange"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    install_server_api_v1_mcp_servers_install_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InstallBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerChange"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_server_api_v1_mcp_servers__server_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_server_api_v1_mcp_servers__server_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerChange"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    server_health_api_v1_mcp_servers__server_id__health_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerHealth"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    restart_server_api_v1_mcp_servers__server_id__restart_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start_server_api_v1_mcp_servers__server_id__start_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stop_server_api_v1_mcp_servers__server_id__stop_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    server_tools_api_v1_mcp_servers__server_id__tools_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpToolList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    execute_tool_api_v1_mcp_servers__server_id__tools__tool__execute_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                server_id: string;
                tool: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["protocols__rest_mcp__ExecuteBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallToolResult"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    all_tools_api_v1_mcp_tools_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpToolList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    agent_memories_api_v1_memory_agents__agent_id__get: {
        parameters: {
            query?: {
                conversation_id?: string | null;
                kind?: string | null;
                limit?: number;
            };
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemoryList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_memory_api_v1_memory_agents__agent_id__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MemoryIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemoryStored"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_memories_api_v1_memory_agents__agent_id__delete: {
        parameters: {
            query?: {
                /** @description one memory; all when absent */
                memory_id?: string | null;
            };
            header?: never;
            path: {
                agent_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemoriesDeleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    conversation_memories_api_v1_memory_conversations__conversation_id__get: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemoryList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    search_memories_api_v1_memory_search_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MemorySearch"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemoryList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    memory_stats_api_v1_memory_stats_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemoryStats"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_list_api_v1_models_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelsList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_upsert_api_v1_models_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ModelEntry"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrackedModel"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_recommendations_api_v1_models_recommendations_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecommendationRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecommendationResponse"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_summary_api_v1_models_stats_summary_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelsSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_get_api_v1_models__name__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PerformanceRow"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_delete_api_v1_models__name__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelDeleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_performance_api_v1_models__name__performance_get: {
        parameters: {
            query?: {
                task_kind?: string | null;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PerformanceRow"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    models_rate_api_v1_models__name__rate_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RatingRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RatingAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_chat_api_v1_ollama_chat_post: {
        parameters: {
            query?: {
                task_kind?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatRequest"];
            };
        };
        responses: {
            /** @description one ChatAnswer (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatAnswer"];
                    "application/x-ndjson": components["schemas"]["ChatAnswer"];
                    "text/event-stream": {
                        /** @description one ChatAnswer as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_embed_api_v1_ollama_embed_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmbedRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Embeddings"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_generate_api_v1_ollama_generate_post: {
        parameters: {
            query?: {
                task_kind?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["GenerateRequest"];
            };
        };
        responses: {
            /** @description one GenerateAnswer (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GenerateAnswer"];
                    "application/x-ndjson": components["schemas"]["GenerateAnswer"];
                    "text/event-stream": {
                        /** @description one GenerateAnswer as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_metrics_api_v1_ollama_metrics_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelMetrics"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_models_api_v1_ollama_models_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelTags"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_create_api_v1_ollama_models_create_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateBody"];
            };
        };
        responses: {
            /** @description one Progress (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Progress"];
                    "application/x-ndjson": components["schemas"]["Progress"];
                    "text/event-stream": {
                        /** @description one Progress as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_pull_api_v1_ollama_models_pull_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PullRequest"];
            };
        };
        responses: {
            /** @description one Progress (stream false), else NDJSON lines or SSE events of it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Progress"];
                    "application/x-ndjson": components["schemas"]["Progress"];
                    "text/event-stream": {
                        /** @description one Progress as JSON */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_delete_api_v1_ollama_models__name__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["protocols__rest_models__Deleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_model_info_api_v1_ollama_models__name__info_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelDetails"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ollama_status_api_v1_ollama_status_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BackendsStatus"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    history_api_v1_reasoning_history_get: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
                status?: components["schemas"]["SessionStatus"] | null;
                mode?: components["schemas"]["ReasoningMode"] | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReasoningHistory"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    modes_api_v1_reasoning_modes_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReasoningDefaults"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    configure_modes_api_v1_reasoning_modes_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReasoningDefaultsUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReasoningDefaults"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    results_api_v1_reasoning_results__session_id__get: {
        parameters: {
            query?: {
                /** @description wait up to this long for a running session to finish */
                wait_s?: number;
            };
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReasoningResultView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    tree_api_v1_reasoning_sessions__session_id__tree_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReasoningTree"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start_api_v1_reasoning_start_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartReasoningBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    status_api_v1_reasoning_status_get: {
        parameters: {
            query?: {
                session_id?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReasoningStatusView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stop_api_v1_reasoning_stop_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StopReasoningBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    batch_api_v1_search_batch_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_document_api_v1_search_documents_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DocumentIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentAdded"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_document_api_v1_search_documents__document_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                document_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Document"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_document_api_v1_search_documents__document_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                document_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentDeleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    hybrid_api_v1_search_hybrid_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SearchIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_indexes_api_v1_search_indexes_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IndexList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_index_api_v1_search_indexes_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IndexCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IndexInfo"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_index_api_v1_search_indexes__name__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IndexDeleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    keyword_api_v1_search_keyword_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SearchIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    semantic_api_v1_search_semantic_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SearchIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchAnswer"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stats_api_v1_search_stats_get: {
        parameters: {
            query?: {
                recall_sample?: number | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchStats"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    system_events_api_v1_system_events_get: {
        parameters: {
            query?: {
                /** @description only events of this address */
                child?: string | null;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemEvents"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    system_kill_api_v1_system_kill_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KillRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KillResponse"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    system_metrics_api_v1_system_metrics_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemMetrics"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    system_tree_api_v1_system_tree_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChildStatus"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ui_config_api_v1_ui_config_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UiConfig"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_users_api_v1_users_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_user_api_v1_users_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_user_api_v1_users__user_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_user_api_v1_users__user_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["protocols__auth__Deleted"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_user_api_v1_users__user_id__patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_workflows_api_v1_workflows_get: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowList"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start_research_api_v1_workflows_research_analysis_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartResearchBody"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    research_result_api_v1_workflows_research_analysis__workflow_id__result_get: {
        parameters: {
            query?: {
                /** @description json: the view; markdown: the report itself */
                format?: "json" | "markdown";
                /** @description wait up to this long for a running workflow to finish */
                wait_s?: number;
            };
            header?: never;
            path: {
                workflow_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowResultView"];
                    "text/markdown": unknown;
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    research_status_api_v1_workflows_research_analysis__workflow_id__status_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                workflow_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowStatusView"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    retry_api_v1_workflows_retry__workflow_id__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                workflow_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stop_api_v1_workflows_stop__workflow_id__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                workflow_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowSummary"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    logs_api_v1_workflows__workflow_id__logs_get: {
        parameters: {
            query?: {
                /** @description only lines after this sequence number */
                after?: number;
                limit?: number;
            };
            header?: never;
            path: {
                workflow_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowLogs"];
                };
            };
            /** @description code, message, field */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    version_api_version_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaVersion"];
                };
            };
            /** @description Ollama's error shape: {"error": "<message>"} */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    chat_completions_v1_chat_completions_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OpenAIChatRequest"];
            };
        };
        responses: {
            /** @description one chat.completion (stream false), else server-sent chat.completion.chunk events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIChatCompletion"];
                    "text/event-stream": {
                        /** @description one chat.completion.chunk as JSON, then [DONE] */
                        data: string;
                        event?: string;
                        id?: string;
                        retry?: number;
                    };
                };
            };
            /** @description OpenAI's error shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIErrorBody"];
                };
            };
        };
    };
    embeddings_v1_embeddings_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OpenAIEmbeddingRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIEmbeddingList"];
                };
            };
            /** @description OpenAI's error shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIErrorBody"];
                };
            };
        };
    };
    list_models_v1_models_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIModelList"];
                };
            };
            /** @description OpenAI's error shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIErrorBody"];
                };
            };
        };
    };
    get_model_v1_models__model__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                model: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIModel"];
                };
            };
            /** @description OpenAI's error shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIErrorBody"];
                };
            };
        };
    };
}
