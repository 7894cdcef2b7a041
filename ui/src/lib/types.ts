// REST shapes of the gateway (protocols/rest.py, protocols/supervision.py, models_api.py,
// and the contracts of the agents and MCP APIs in TEAM.md).

export interface ChildStatus {
  address: string
  kind: 'worker' | 'supervisor'
  state: 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed'
  restarts: number
  restart_type: string
  strategy?: string | null
  started_at?: number | null
  uptime_s?: number | null
  node_id?: string | null
  node_ip?: string | null
  pid?: number | null
  last_exit?: { kind: string; detail: string } | null
  children: ChildStatus[]
}

export interface ComponentHealth {
  status: 'ok' | 'degraded' | 'down'
  state: string
  address: string
  restarts: number
  uptime_s?: number | null
  detail?: string | null
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down'
  components: Record<string, ComponentHealth>
  checked_at: number
}

export interface SupervisionEvent {
  supervisor: string
  child: string
  action: string
  reason: string
  detail: string
  restarts: number
  delay_s: number
  siblings: string[]
  at: number
}

export interface HostMetrics {
  cpu_percent: number
  cpu_count: number
  load_avg: number[]
  memory_total: number
  memory_used: number
  memory_percent: number
}

export interface SystemMetrics {
  at: number
  host: HostMetrics
  nodes: { node_id: string; ip: string; alive: boolean; resources: Record<string, number> }[]
}

export interface UiConfig {
  base_path: string
  dashboard_url: string | null
  version: string
}

export interface AgentType {
  type: string
  description: string
  capabilities: string[]
  model: string | null
  tools: string[]
}

export interface Agent {
  id: string
  name: string
  type: string
  model: string | null
  tools: string[]
  status: string
  address: string
  created_at: string | number | null
}

export interface McpServer {
  id: string
  status: 'starting' | 'ready' | 'degraded' | 'restarting' | 'failed' | 'stopped'
  restarts: number
  tool_count: number
  transport: string
  command?: string | string[] | null
  url?: string | null
  error?: string | null
  last_ping_ms?: number | null
}

export interface McpTool {
  name: string
  description?: string | null
  inputSchema?: Record<string, unknown>
}

export interface CatalogueEntry {
  name: string
  title: string
  description: string
  source: string
  category: string
  priority: number | string
  installed: boolean
}

export interface ModelPerformance {
  model: string
  backend: string
  task_kind?: string | null
  calls: number
  ok: number
  errors: number
  cancelled: number
  success_rate: number | null
  mean_latency_ms: number | null
  p50_latency_ms: number | null
  p95_latency_ms: number | null
  mean_tokens_per_s: number | null
  mean_time_to_first_token_ms: number | null
  prompt_tokens: number
  completion_tokens: number
  mean_rating: number | null
  ratings: number
  last_used: number | null
}

export interface ModelRow {
  name: string
  available: boolean
  entry: { name: string; backend: string; task_kinds: string[]; description: string } | null
  performance: ModelPerformance | null
}

export interface ModelsSummary {
  models: number
  calls: number
  errors: number
  cancelled: number
  prompt_tokens: number
  completion_tokens: number
  success_rate: number | null
  by_backend: Record<string, { calls: number; completion_tokens: number; errors: number }>
  busiest: string[]
}

export interface BackendStatus {
  embedded: { model: string; state: string; workers?: { loaded?: boolean }[]; [key: string]: unknown }[]
  ollama: { configured: boolean; host: string | null; reachable?: boolean; version?: string; error?: string; models?: unknown[] }
}

export interface DatabaseHealth {
  status: 'ok' | 'degraded' | 'down'
  mode?: 'embedded' | 'external' | null
  server_version?: string | null
  pgvector_version?: string | null
  latency_ms?: number | null
  pool?: Record<string, unknown>
  migrations?: string[]
  detail?: string | null
}
