// REST shapes of the gateway: aliases of the types generated from its OpenAPI document
// (api.gen.ts, `make ui-types`). The few hand-written ones are answers whose schema is open
// there (a passthrough of a backend's JSON, `additionalProperties`): the UI keeps the precise
// shape it reads, marked `// open in the OpenAPI document`.
import type { components } from './api.gen'

type Schemas = components['schemas']

export type ChildStatus = Schemas['ChildStatus']
export type ComponentHealth = Schemas['ComponentHealth']
export type HealthReport = Schemas['HealthReport']
export type DatabaseHealth = Schemas['DatabaseHealth']
export type NodeView = Schemas['NodeView']
export type ModelPerformance = Schemas['ModelPerformance']

// open in the OpenAPI document
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

// open in the OpenAPI document
export interface HostMetrics {
  cpu_percent: number
  cpu_count: number
  load_avg: number[]
  memory_total: number
  memory_used: number
  memory_percent: number
}

// open in the OpenAPI document
export interface SystemMetrics {
  at: number
  host: HostMetrics
  nodes: { node_id: string; ip: string; alive: boolean; resources: Record<string, number> }[]
}

export type UiConfig = Schemas['UiConfig']

export type AgentType = Schemas['AgentType']

export type Agent = Schemas['AgentRow']

export type McpServer = Schemas['McpServer']

export type McpTool = Schemas['McpTool']

// open in the OpenAPI document
export interface CatalogueEntry {
  name: string
  title: string
  description: string
  source: string
  category: string
  priority: number | string
  installed: boolean
}

// open in the OpenAPI document
export interface ModelRow {
  name: string
  available: boolean
  entry: { name: string; backend: string; task_kinds: string[]; description: string } | null
  performance: ModelPerformance | null
}

// open in the OpenAPI document
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

// open in the OpenAPI document
export interface BackendStatus {
  embedded: { model: string; state: string; workers?: { loaded?: boolean }[]; [key: string]: unknown }[]
  ollama: { configured: boolean; host: string | null; reachable?: boolean; version?: string; error?: string; models?: unknown[] }
}

export type IndexInfo = Schemas['IndexInfo']
export type IndexStats = Schemas['IndexStats']
export type SearchStats = Schemas['SearchStats']
export type SearchAnswer = Schemas['SearchAnswer']
export type SearchHit = Schemas['SearchResult']
export type SearchMode = Schemas['SearchMode']
export type IndexType = Schemas['IndexType']
export type SearchBackend = Schemas['SearchBackend']
export type DocumentAdded = Schemas['DocumentAdded']
