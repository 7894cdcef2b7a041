// The shapes of /api/v1/workflows/* (protocols/workflows.py, protocols/rest_workflows.py) and
// what the Workflows page makes of them: log lines merged in order, the report's citation
// markers made into links, the start request, exports. Plain functions, tested without a browser.
import type { components } from './api.gen'

type Schemas = components['schemas']

export type WorkflowStatus = Schemas['WorkflowStatus']
export type WorkflowSummary = Schemas['WorkflowSummary']
export type WorkflowStatusView = Schemas['WorkflowStatusView']
export type StepView = Schemas['StepView']
export type WorkflowList = Schemas['WorkflowList']
export type WorkflowLogLine = Schemas['WorkflowLogLine']
export type WorkflowLogs = Schemas['WorkflowLogs']
export type ReportView = Schemas['ReportView']
export type WorkflowResultView = Schemas['WorkflowResultView']
export type StartResearchBody = Schemas['StartResearchBody']
export type Citation = Schemas['Citation']
export type ResearchLimits = Schemas['ResearchLimits']

export const RESEARCH_MODES = ['s3_rag', 'tot_enhanced_rag'] as const
export const ACTIVE: WorkflowStatus[] = ['queued', 'running']
export const RETRYABLE: WorkflowStatus[] = ['failed', 'cancelled']

/** Log lines by sequence number, each once (the live events and the polled pages overlap). */
export function mergeLines(lines: WorkflowLogLine[], more: WorkflowLogLine[]): WorkflowLogLine[] {
  if (more.length === 0) return lines
  const bySeq = new Map<number, WorkflowLogLine>()
  for (const l of lines) bySeq.set(l.seq, l)
  for (const l of more) bySeq.set(l.seq, l)
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq)
}

export function lastSeq(lines: WorkflowLogLine[]): number {
  return lines.length ? lines[lines.length - 1].seq : 0
}

// "[3]" (not a link already, not "[3](...)"), and the report's own anchors, which are raw
// HTML the renderer does not show
const MARKER = /\[(\d+)\](?![(:])/g
const ANCHOR = /<a id="source-\d+"><\/a>/g

/** The report's Markdown with each citation marker a link to `#cite-<n>` (only the numbers
 * that are citations: a "[7]" with no source 7 stays text). */
export function linkCitations(markdown: string, citations: Pick<Citation, 'number'>[]): string {
  const known = new Set(citations.map((c) => c.number))
  return markdown.replace(ANCHOR, '').replace(MARKER, (whole, n: string) => (known.has(Number(n)) ? `[\\[${n}\\]](#cite-${n})` : whole))
}

/** The citation number a clicked link points at, or null. */
export function citationOf(href: string | null | undefined): number | null {
  const m = /#cite-(\d+)$/.exec(href ?? '')
  return m ? Number(m[1]) : null
}

/** A step's time in seconds, when it has both ends. */
export function stepSeconds(step: Pick<StepView, 'started_at' | 'completed_at'>): number | null {
  if (!step.started_at || !step.completed_at) return null
  const s = (Date.parse(step.completed_at) - Date.parse(step.started_at)) / 1000
  return Number.isFinite(s) ? Math.max(0, s) : null
}

export interface ResearchFields {
  question: string
  index: string
  mode: string
  model: string
  max_sub_questions: string
  search_k: string
  answer_max_tokens: string
  urls: string
  document: string
}

export class ResearchFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

/** POST /workflows/research-analysis's body; empty fields take the configured defaults. */
export function researchBody(fields: ResearchFields, defaults: ResearchLimits | null = null): StartResearchBody {
  const question = fields.question.trim()
  if (question.length < 3) throw new ResearchFieldError('question', 'ask a question of 3 characters or more')
  const body: StartResearchBody = { question }
  if (fields.index) body.index = fields.index
  if (fields.mode) body.mode = fields.mode as StartResearchBody['mode']
  if (fields.model.trim()) body.model = fields.model.trim()
  const limits: Partial<ResearchLimits> = {}
  for (const name of ['max_sub_questions', 'search_k', 'answer_max_tokens'] as const) {
    const raw = fields[name].trim()
    if (!raw) continue
    const v = Number(raw)
    if (!Number.isInteger(v) || v < 1) throw new ResearchFieldError(`limits.${name}`, 'must be a whole number of 1 or more')
    limits[name] = v
  }
  // a partial limits object: the API fills the rest from its model defaults
  if (Object.keys(limits).length) body.limits = { ...(defaults ?? {}), ...limits } as ResearchLimits
  const urls = fields.urls
    .split(/\s+/)
    .map((u) => u.trim())
    .filter(Boolean)
  for (const u of urls) if (!/^https?:\/\//.test(u)) throw new ResearchFieldError('urls', `${u} is not an http(s) URL`)
  if (urls.length) body.urls = urls
  if (fields.document.trim()) body.documents = [{ content: fields.document, format: 'markdown', source: 'pasted in the UI' }]
  return body
}

/** Hand a text to the browser as a file download. */
export function download(filename: string, text: string, type: string): void {
  const blob = new Blob([text], { type })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
