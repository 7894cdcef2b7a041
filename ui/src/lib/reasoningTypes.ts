// The shapes of /api/v1/reasoning/* (protocols/reasoning.py, protocols/rest_reasoning.py),
// written by hand until the gateway serves those routes and api.gen.ts has them.
export type ReasoningMode = 'direct' | 'tot_only' | 'rag_only' | 's3_rag' | 'tot_enhanced_rag' | 'adaptive'
export type TaskKind = 'open' | 'game24'
export type GenerateMethod = 'propose' | 'sample'
export type EvaluateMethod = 'value' | 'vote'
export type Evaluator = 'model' | 'checker'
export type SelectMethod = 'greedy' | 'sample'
export type SearchAlgorithm = 'bfs' | 'dfs'
export type NodeStatus = 'created' | 'evaluated' | 'pruned' | 'selected'
export type SessionStatus = 'running' | 'completed' | 'stopped' | 'failed'
export type NodeEvent = 'created' | 'evaluated' | 'pruned' | 'selected'
export type Complexity = 'simple' | 'moderate' | 'complex' | 'research'

export interface Passage {
  id: string
  text: string
  score: number
  source?: string | null
}

export interface ThoughtNode {
  id: string
  parent_id?: string | null
  depth: number
  thought: string
  state: string
  value?: number | null
  status: NodeStatus
  terminal: boolean
  expanded: boolean
  passage_ids: string[]
  note?: string | null
}

export interface TreeOfThoughtsConfig {
  generate: GenerateMethod
  evaluate: EvaluateMethod
  evaluator: Evaluator
  select: SelectMethod
  search: SearchAlgorithm
  beam_width: number
  max_depth: number
  n_generate_sample: number
  n_evaluate_sample: number
  value_map: Record<string, number>
  prune_threshold: number
  max_steps: number
  max_proposals: number
  temperature: number
  max_tokens: number
  retrieval_k: number
  seed?: number | null
}

export interface RagConfig {
  k: number
  mode: 'semantic' | 'keyword' | 'hybrid'
  temperature: number
  max_tokens: number
}

export interface S3Config extends RagConfig {
  max_turns: number
  max_kept: number
}

export interface SessionMetrics {
  model_calls: number
  prompt_tokens: number
  completion_tokens: number
  retrieval_calls: number
  nodes_generated: number
  nodes_evaluated: number
  nodes_pruned: number
  wall_time_s: number
}

export interface RoutingDecision {
  complexity: Complexity
  mode: ReasoningMode
  task_kind: string
  method: string
  scores: Record<string, number>
  features: Record<string, unknown>
}

export interface ReasoningResult {
  mode: ReasoningMode
  status: SessionStatus
  answer?: string | null
  confidence: number
  solved?: boolean | null
  best_path: string[]
  nodes: ThoughtNode[]
  passages: Passage[]
  cited: string[]
  queries: string[]
  metrics: SessionMetrics
  routing?: RoutingDecision | null
  stop_reason?: string | null
  error?: string | null
}

export interface StartReasoningBody {
  query: string
  mode?: ReasoningMode | null
  task?: TaskKind
  tot?: TreeOfThoughtsConfig | null
  rag?: RagConfig | null
  s3?: S3Config | null
  index?: string | null
  model?: string | null
}

export interface SessionSummary {
  session_id: string
  query: string
  mode: ReasoningMode
  resolved_mode?: ReasoningMode | null
  task: TaskKind
  status: SessionStatus
  model: string
  index: string
  answer?: string | null
  confidence: number
  solved?: boolean | null
  metrics: SessionMetrics
  nodes: number
  restarts: number
  error?: string | null
  created_at: string
  finished_at?: string | null
}

export interface ReasoningStatusView {
  sessions: SessionSummary[]
  running: number
  totals: Record<string, number>
  default_mode: ReasoningMode
}

export interface ReasoningHistory {
  sessions: SessionSummary[]
  total: number
  limit: number
  offset: number
}

export interface ReasoningResultView {
  session: SessionSummary
  result?: ReasoningResult | null
}

export interface ReasoningTree {
  session_id: string
  status: SessionStatus
  nodes: ThoughtNode[]
  best_path: string[]
  passages: Record<string, Passage>
  routing?: RoutingDecision | null
}

export interface ReasoningDefaults {
  default_mode: ReasoningMode
  tot: TreeOfThoughtsConfig
  rag: RagConfig
  s3: S3Config
  modes: Record<string, string>
  classifier?: unknown
}

export interface ReasoningDefaultsUpdate {
  default_mode?: ReasoningMode | null
  tot?: TreeOfThoughtsConfig | null
  rag?: RagConfig | null
  s3?: S3Config | null
}
