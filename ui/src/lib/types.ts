// REST shapes of the gateway. Where the gateway's OpenAPI document has the schema, the type
// is an alias of the generated one (api.gen.ts, `make ui-types`); the rest are hand copies of
// answers that have no response model yet, each marked `// not in the OpenAPI document yet`.
import type { components } from './api.gen'

type Schemas = components['schemas']

export type ChildStatus = Schemas['ChildStatus']
export type ComponentHealth = Schemas['ComponentHealth']
export type HealthReport = Schemas['HealthReport']
export type DatabaseHealth = Schemas['DatabaseHealth']
export type ModelPerformance = Schemas['ModelPerformance']

// not in the OpenAPI document yet
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

// not in the OpenAPI document yet
export interface HostMetrics {
  cpu_percent: number
  cpu_count: number
  load_avg: number[]
  memory_total: number
  memory_used: number
  memory_percent: number
}

// not in the OpenAPI document yet
export interface SystemMetrics {
  at: number
  host: HostMetrics
  nodes: { node_id: string; ip: string; alive: boolean; resources: Record<string, number> }[]
}

// not in the OpenAPI document yet
export interface UiConfig {
  base_path: string
  dashboard_url: string | null
  version: string
}

// not in the OpenAPI document yet
export interface AgentType {
  type: string
  description: string
  capabilities: string[]
  model: string | null
  tools: string[]
}

// not in the OpenAPI document yet
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

// not in the OpenAPI document yet
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

// not in the OpenAPI document yet
export interface McpTool {
  name: string
  description?: string | null
  inputSchema?: Record<string, unknown>
}

// not in the OpenAPI document yet
export interface CatalogueEntry {
  name: string
  title: string
  description: string
  source: string
  category: string
  priority: number | string
  installed: boolean
}

// not in the OpenAPI document yet
export interface ModelRow {
  name: string
  available: boolean
  entry: { name: string; backend: string; task_kinds: string[]; description: string } | null
  performance: ModelPerformance | null
}

// not in the OpenAPI document yet
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

// not in the OpenAPI document yet
export interface BackendStatus {
  embedded: { model: string; state: string; workers?: { loaded?: boolean }[]; [key: string]: unknown }[]
  ollama: { configured: boolean; host: string | null; reachable?: boolean; version?: string; error?: string; models?: unknown[] }
}
