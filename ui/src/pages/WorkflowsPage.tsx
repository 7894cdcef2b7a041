import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Markdown } from '../components/Markdown'
import { Badge, Button, Card, Empty, ErrorNote, Loaded, Stat } from '../components/ui'
import { api, ApiError, errorText, requestText } from '../lib/api'
import { ago, clock, num } from '../lib/format'
import { useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { IndexInfo } from '../lib/types'
import { useResource } from '../lib/useResource'
import {
  ACTIVE,
  citationOf,
  download,
  lastSeq,
  linkCitations,
  mergeLines,
  RESEARCH_MODES,
  ResearchFieldError,
  researchBody,
  RETRYABLE,
  stepSeconds,
  type ResearchFields,
  type ReportView,
  type WorkflowList,
  type WorkflowLogLine,
  type WorkflowLogs,
  type WorkflowResultView,
  type WorkflowStatus,
  type WorkflowStatusView,
  type WorkflowSummary,
} from '../lib/workflows'
import type { WsFrame } from '../lib/ws'

const enc = encodeURIComponent
const POLL_MS = 2000
const LIST_PAGE = 15
const STATUS_TONE: Record<WorkflowStatus, 'ok' | 'info' | 'muted' | 'bad' | 'warn'> = {
  completed: 'ok',
  running: 'info',
  queued: 'info',
  cancelled: 'muted',
  failed: 'bad',
}
const STEP_TONE: Record<string, 'ok' | 'info' | 'bad'> = { completed: 'ok', running: 'info', failed: 'bad' }

function StatusBadge({ status }: { status: WorkflowStatus }) {
  return (
    <Badge tone={STATUS_TONE[status] ?? 'muted'} status={status}>
      {status}
    </Badge>
  )
}

const path = (id: string, what: string) => `workflows/research-analysis/${enc(id)}/${what}`

// ---- starting one -------------------------------------------------------------------------

function StartForm({ indexes, onStarted }: { indexes: IndexInfo[]; onStarted: (w: WorkflowSummary) => void }) {
  const [fields, setFields] = useState<ResearchFields>({
    question: '',
    index: '',
    mode: '',
    model: '',
    max_sub_questions: '',
    search_k: '',
    answer_max_tokens: '',
    urls: '',
    document: '',
  })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const set = (patch: Partial<ResearchFields>) => setFields({ ...fields, ...patch })
  const submit = async () => {
    setError(null)
    let body
    try {
      body = researchBody(fields)
    } catch (exc) {
      setError(exc instanceof ResearchFieldError ? new ApiError(422, 'validation_error', exc.message, exc.field) : exc)
      return
    }
    setBusy(true)
    try {
      const started = await api.post<WorkflowSummary>('workflows/research-analysis', body, 60000)
      toast.ok(`Started ${started.workflow_id}`)
      onStarted(started)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }
  const limit = (name: 'max_sub_questions' | 'search_k' | 'answer_max_tokens', label: string, title: string) => (
    <label title={title}>
      <span>{label}</span>
      <input name={name} type="number" min={1} value={fields[name]} onChange={(e) => set({ [name]: e.target.value })} className="narrow" placeholder="default" />
    </label>
  )
  return (
    <form
      className="form"
      data-testid="start-research"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>question</span>
        <textarea name="question" rows={3} value={fields.question} onChange={(e) => set({ question: e.target.value })} placeholder="What should the research answer?" />
      </label>
      <div className="form-row">
        <label className="grow">
          <span>index</span>
          <select name="index" value={fields.index} onChange={(e) => set({ index: e.target.value })}>
            <option value="">default</option>
            {indexes.map((i) => (
              <option key={i.name}>{i.name}</option>
            ))}
          </select>
        </label>
        <label>
          <span>reasoning</span>
          <select name="mode" value={fields.mode} onChange={(e) => set({ mode: e.target.value })}>
            <option value="">default</option>
            {RESEARCH_MODES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
      </div>
      <details className="advanced">
        <summary className="small muted">options</summary>
        <div className="form-row">
          {limit('max_sub_questions', 'sub-questions', 'the most sub-questions the plan makes')}
          {limit('search_k', 'passages', 'passages per search')}
          {limit('answer_max_tokens', 'answer tokens', 'the most tokens of each answer')}
        </div>
        <label>
          <span>model</span>
          <input name="model" value={fields.model} onChange={(e) => set({ model: e.target.value })} placeholder="default" />
        </label>
        <label>
          <span>URLs to fetch first (one per line)</span>
          <textarea name="urls" rows={2} value={fields.urls} onChange={(e) => set({ urls: e.target.value })} />
        </label>
        <label>
          <span>a document to add to the index first (Markdown)</span>
          <textarea name="document" rows={3} value={fields.document} onChange={(e) => set({ document: e.target.value })} />
        </label>
      </details>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={fields.question.trim().length < 3}>
        Start research
      </Button>
    </form>
  )
}

// ---- one workflow -------------------------------------------------------------------------

function Timeline({ view }: { view: WorkflowStatusView }) {
  const steps = view.steps ?? []
  const active = ACTIVE.includes(view.workflow.status)
  return (
    <ol className="timeline" data-testid="timeline">
      {steps.map((s) => {
        const took = stepSeconds(s)
        return (
          <li key={s.step_id} className={`step step-${s.status}`} data-testid="step" data-step={s.name} data-status={s.status}>
            <div className="step-head">
              <Badge tone={STEP_TONE[s.status] ?? 'muted'} status={s.status}>
                {s.name}
              </Badge>
              <span className="muted small">
                #{s.step_id}
                {s.started_at ? ` · ${clock(s.started_at)}` : ''}
                {took !== null ? ` · ${num(took, 1)} s` : ''}
              </span>
            </div>
            {s.summary ? <div className="small">{s.summary}</div> : null}
            {s.error ? <div className="small bad-text">{s.error}</div> : null}
          </li>
        )
      })}
      {active && view.current_step && !steps.some((s) => s.status === 'running') ? (
        <li className="step step-next" data-testid="step-next">
          <Badge tone="info" status="running">
            {view.current_step}
          </Badge>{' '}
          <span className="muted small">next</span>
        </li>
      ) : null}
      {steps.length === 0 && !active ? <Empty>No step was recorded.</Empty> : null}
    </ol>
  )
}

function Logs({ lines }: { lines: WorkflowLogLine[] }) {
  const [step, setStep] = useState('')
  const steps = useMemo(() => [...new Set(lines.map((l) => l.step).filter(Boolean) as string[])], [lines])
  const shown = step ? lines.filter((l) => l.step === step) : lines
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (el) el.scrollTop = el.scrollHeight
  }, [shown.length])
  return (
    <div data-testid="logs" data-lines={lines.length}>
      <div className="form-row">
        <select aria-label="step" value={step} onChange={(e) => setStep(e.target.value)}>
          <option value="">every step</option>
          {steps.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <span className="muted small">{lines.length} lines</span>
      </div>
      <div className="logbox" ref={box}>
        {shown.length === 0 ? (
          <span className="muted">No log lines yet.</span>
        ) : (
          shown.map((l) => (
            <div key={l.seq} className={`logline log-${l.level}`} data-testid="log-line" data-seq={l.seq}>
              <span className="muted">{clock(l.at)}</span> {l.step ? <span className="log-step">{l.step}</span> : null} {l.message}
            </div>
          ))
        )}
      </div>
    </div>
  )
}

function Report({ report, workflowId, result }: { report: ReportView; workflowId: string; result: WorkflowResultView }) {
  const [cited, setCited] = useState<number | null>(null)
  const text = useMemo(() => linkCitations(report.markdown, report.citations), [report])
  const list = useRef<HTMLOListElement>(null)
  useEffect(() => {
    if (cited === null) return
    list.current?.querySelector(`[data-number="${cited}"]`)?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' })
  }, [cited])
  const exportMarkdown = async () => {
    try {
      const { text: md } = await requestText(path(workflowId, 'result?format=markdown'))
      download(`research-${workflowId}.md`, md, 'text/markdown')
    } catch (exc) {
      toast.bad(`Export: ${errorText(exc)}`)
    }
  }
  return (
    <div className="report" data-testid="report" data-citations={report.citations.length}>
      <div className="report-actions">
        <Button size="sm" onClick={() => void exportMarkdown()} data-testid="export-markdown">
          Export Markdown
        </Button>
        <Button size="sm" onClick={() => download(`research-${workflowId}.json`, JSON.stringify(result, null, 2), 'application/json')} data-testid="export-json">
          Export JSON
        </Button>
        <span className="muted small">stored {ago(report.created_at)}</span>
      </div>
      <div
        className="report-body"
        onClick={(event) => {
          const a = (event.target as HTMLElement).closest('a')
          const n = citationOf(a?.getAttribute('href'))
          if (n === null) return
          event.preventDefault()
          setCited(n)
        }}
      >
        <Markdown text={text} />
      </div>
      <h4>Citations</h4>
      {report.citations.length ? (
        <ol className="citations" ref={list} data-testid="citations">
          {report.citations.map((c) => (
            <li
              key={c.number}
              value={c.number}
              data-number={c.number}
              data-testid="citation"
              className={cited === c.number ? 'cited active' : ''}
              onClick={() => setCited(cited === c.number ? null : c.number)}
            >
              <strong>{c.source || c.document_id}</strong> <code className="small">{c.passage_id}</code>
              <div className="hit-text">{c.excerpt}</div>
            </li>
          ))}
        </ol>
      ) : (
        <Empty>The report cites no passage.</Empty>
      )}
    </div>
  )
}

function WorkflowPanel({
  view,
  lines,
  result,
  onStop,
  onRetry,
}: {
  view: WorkflowStatusView
  lines: WorkflowLogLine[]
  result: WorkflowResultView | null
  onStop: () => Promise<void>
  onRetry: () => Promise<void>
}) {
  const w = view.workflow
  const [busy, setBusy] = useState(false)
  const act = (fn: () => Promise<void>) => async () => {
    setBusy(true)
    try {
      await fn()
    } finally {
      setBusy(false)
    }
  }
  return (
    <div data-testid="workflow" data-workflow-id={w.workflow_id} data-status={w.status}>
      <div className="session-head">
        <div className="grow">
          <div className="session-query">{w.question}</div>
          <div className="muted small">
            <code>{w.workflow_id}</code> · {w.name} · index {w.index} · {w.model} · {w.mode} · started {ago(w.created_at)}
          </div>
        </div>
        <StatusBadge status={w.status} />
        {ACTIVE.includes(w.status) ? (
          <Button variant="danger" size="sm" busy={busy} onClick={act(onStop)} data-testid="stop-workflow">
            Stop
          </Button>
        ) : null}
        {RETRYABLE.includes(w.status) ? (
          <Button size="sm" busy={busy} onClick={act(onRetry)} data-testid="retry-workflow">
            Retry
          </Button>
        ) : null}
      </div>
      {w.error ? <ErrorNote error={new Error(w.error)} /> : null}
      <div className="progress" title={`${Math.round(view.progress * 100)}%`} data-testid="workflow-progress" data-progress={view.progress}>
        <div className={`progress-fill${w.status === 'completed' ? ' progress-done' : w.status === 'failed' ? ' progress-failed' : ''}`} style={{ width: `${view.progress * 100}%` }} />
      </div>
      <div className="grid-2 wf-grid">
        <div>
          <h3>Steps</h3>
          <Timeline view={view} />
        </div>
        <div>
          <h3>Logs</h3>
          <Logs lines={lines} />
        </div>
      </div>
      <h3>Report</h3>
      {result?.report ? (
        <Report report={result.report} workflowId={w.workflow_id} result={result} />
      ) : ACTIVE.includes(w.status) ? (
        <div className="muted small">The report comes when the last step has run.</div>
      ) : (
        <Empty>No report was stored{w.status === 'completed' ? '.' : ` (${w.status}).`}</Empty>
      )}
    </div>
  )
}

// ---- the list -----------------------------------------------------------------------------

function WorkflowListCard({ onOpen, current, version }: { onOpen: (id: string) => void; current: string | null; version: number }) {
  const [offset, setOffset] = useState(0)
  const list = useResource(() => api.get<WorkflowList>(`workflows?limit=${LIST_PAGE}&offset=${offset}`), [offset, version], 15000)
  return (
    <Loaded resource={list} what="Workflows">
      {(l) =>
        l.workflows.length === 0 ? (
          <Empty>No workflows yet.</Empty>
        ) : (
          <div data-testid="workflow-list">
            <ul className="history">
              {l.workflows.map((w) => (
                <li key={w.workflow_id}>
                  <button
                    type="button"
                    className={w.workflow_id === current ? 'history-item active' : 'history-item'}
                    onClick={() => onOpen(w.workflow_id)}
                    data-testid="workflow-item"
                    data-workflow-id={w.workflow_id}
                    data-status={w.status}
                  >
                    <span className="history-query">{w.question}</span>
                    <span className="muted small">
                      <StatusBadge status={w.status} /> {w.name} · {w.has_report ? 'report · ' : ''}
                      {ago(w.created_at)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            <div className="pager small muted">
              {offset + 1}–{offset + l.workflows.length} of {l.total}
              <Button size="sm" variant="ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - LIST_PAGE))}>
                Newer
              </Button>
              <Button size="sm" variant="ghost" disabled={offset + l.workflows.length >= l.total} onClick={() => setOffset(offset + LIST_PAGE)}>
                Older
              </Button>
            </div>
          </div>
        )
      }
    </Loaded>
  )
}

// ---- the page -----------------------------------------------------------------------------

export default function WorkflowsPage() {
  const probe = useResource(() => api.get<WorkflowList>('workflows?limit=200'), [], 10000)
  const indexes = useResource(() => api.get<{ indexes: IndexInfo[] }>('search/indexes'), [])
  const [current, setCurrent] = useState<string | null>(null)
  const [view, setView] = useState<WorkflowStatusView | null>(null)
  const [lines, setLines] = useState<WorkflowLogLine[]>([])
  const [result, setResult] = useState<WorkflowResultView | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [version, setVersion] = useState(0)
  const currentRef = useRef<string | null>(null)
  const linesRef = useRef<WorkflowLogLine[]>([])
  const reloadProbe = probe.reload

  const loadStatus = useCallback(async (id: string) => {
    try {
      const answer = await api.get<WorkflowStatusView>(path(id, 'status'))
      if (currentRef.current !== id) return
      setView(answer)
      setError(null)
      if (!ACTIVE.includes(answer.workflow.status) || answer.workflow.has_report) {
        const r = await api.get<WorkflowResultView>(path(id, 'result'))
        if (currentRef.current === id) setResult(r)
      }
    } catch (exc) {
      if (currentRef.current === id) setError(exc)
    }
  }, [])

  const loadLogs = useCallback(async (id: string) => {
    try {
      const answer = await api.get<WorkflowLogs>(`workflows/${enc(id)}/logs?after=${lastSeq(linesRef.current)}`)
      if (currentRef.current !== id) return
      linesRef.current = mergeLines(linesRef.current, answer.lines)
      setLines(linesRef.current)
    } catch (exc) {
      if (currentRef.current === id) setError(exc)
    }
  }, [])

  const open = useCallback(
    (id: string) => {
      currentRef.current = id
      linesRef.current = []
      setCurrent(id)
      setView(null)
      setLines([])
      setResult(null)
      setError(null)
      void loadStatus(id)
      void loadLogs(id)
    },
    [loadStatus, loadLogs],
  )

  // polling while it runs: events may be missed (socket down, the workflow started elsewhere)
  const status = view?.workflow.status
  useEffect(() => {
    if (!current || !status || !ACTIVE.includes(status)) return
    const timer = setInterval(() => {
      void loadStatus(current)
      void loadLogs(current)
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [current, status, loadStatus, loadLogs])

  const onEvent = useCallback(
    (frame: WsFrame) => {
      const data = frame.data ?? {}
      const id = typeof data.workflow_id === 'string' ? data.workflow_id : null
      if (!id) return
      if (frame.type === 'workflow_started') {
        setVersion((v) => v + 1)
        void reloadProbe()
      } else if (frame.type === 'workflow_log' && currentRef.current === id && typeof data.seq === 'number') {
        linesRef.current = mergeLines(linesRef.current, [data as WorkflowLogLine])
        setLines(linesRef.current)
      } else if (frame.type === 'workflow_step' && currentRef.current === id) {
        void loadStatus(id)
      } else if (frame.type === 'workflow_finished') {
        setVersion((v) => v + 1)
        void reloadProbe()
        if (currentRef.current === id) {
          void loadStatus(id)
          void loadLogs(id)
        }
      }
    },
    [loadStatus, loadLogs, reloadProbe],
  )
  useTopic('workflows', onEvent)

  const onStarted = (w: WorkflowSummary) => {
    setVersion((v) => v + 1)
    void reloadProbe()
    open(w.workflow_id)
  }

  const stop = async () => {
    if (!current) return
    try {
      const w = await api.post<WorkflowSummary>(`workflows/stop/${enc(current)}`, {}, 90000)
      toast.ok(`Stopping ${w.workflow_id}`)
      await loadStatus(current)
    } catch (exc) {
      toast.bad(`Stop ${current}: ${errorText(exc)}`)
    }
  }
  const retry = async () => {
    if (!current) return
    try {
      const w = await api.post<WorkflowSummary>(`workflows/retry/${enc(current)}`, {}, 90000)
      toast.ok(`Retrying ${w.workflow_id}`)
      setResult(null)
      setVersion((v) => v + 1)
      await loadStatus(current)
    } catch (exc) {
      toast.bad(`Retry ${current}: ${errorText(exc)}`)
    }
  }

  if (probe.error instanceof ApiError && probe.error.unavailable && !probe.data) {
    return (
      <div className="page" data-testid="page-workflows">
        <header className="page-head">
          <div>
            <h1>Workflows</h1>
          </div>
        </header>
        <Loaded resource={probe} what="The workflows API">
          {() => null}
        </Loaded>
      </div>
    )
  }

  const counts = (probe.data?.workflows ?? []).reduce<Record<string, number>>((acc, w) => ({ ...acc, [w.status]: (acc[w.status] ?? 0) + 1 }), {})
  return (
    <div className="page" data-testid="page-workflows">
      <header className="page-head">
        <div>
          <h1>Workflows</h1>
          <p className="muted">Durable research analyses: each step recorded, so a killed runtime resumes where it stopped; the report cites its sources.</p>
        </div>
      </header>

      {probe.data ? (
        <div className="stats-row" data-testid="workflows-summary">
          <Stat label="running" value={(counts.running ?? 0) + (counts.queued ?? 0)} />
          <Stat label="completed" value={num(counts.completed ?? 0)} />
          <Stat label="cancelled · failed" value={`${num(counts.cancelled ?? 0)} · ${num(counts.failed ?? 0)}`} />
          <Stat label="all" value={num(probe.data.total)} />
        </div>
      ) : null}

      <div className="grid-side grid-side-wide">
        <Card title="Workflow">
          {error ? <ErrorNote error={error} onRetry={current ? () => open(current) : undefined} /> : null}
          {view ? (
            <WorkflowPanel view={view} lines={lines} result={result} onStop={stop} onRetry={retry} />
          ) : current ? (
            <div className="loading">Loading {current}…</div>
          ) : (
            <Empty>Start a research analysis with the form, or open one from the list.</Empty>
          )}
        </Card>
        <div className="side-stack">
          <Card title="Research analysis">
            <StartForm indexes={indexes.data?.indexes ?? []} onStarted={onStarted} />
          </Card>
          <Card title="Workflows">
            <WorkflowListCard onOpen={open} current={current} version={version} />
          </Card>
        </div>
      </div>
    </div>
  )
}
