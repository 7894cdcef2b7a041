import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import { ThoughtTree } from '../components/ThoughtTree'
import { Badge, Button, Card, Empty, ErrorNote, Loaded, Stat } from '../components/ui'
import { api, ApiError, errorText } from '../lib/api'
import { ago, num, pct } from '../lib/format'
import { counts, MODES, sessionsReducer, TREE_MODES, type SessionTree } from '../lib/reasoning'
import { sessionResult, sessionTree, startReasoning, stopReasoning } from '../lib/reasoningApi'
import type {
  EvaluateMethod,
  Evaluator,
  GenerateMethod,
  ReasoningDefaults,
  ReasoningHistory,
  ReasoningMode,
  ReasoningResultView,
  ReasoningStatusView,
  SearchAlgorithm,
  SessionStatus,
  SessionSummary,
  StartReasoningBody,
  TaskKind,
  TreeOfThoughtsConfig,
  ThoughtNode,
} from '../lib/reasoningTypes'
import { socket, useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { IndexInfo } from '../lib/types'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

const HISTORY_PAGE = 12
const EMPTY_METRICS = {
  model_calls: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  retrieval_calls: 0,
  nodes_generated: 0,
  nodes_evaluated: 0,
  nodes_pruned: 0,
  wall_time_s: 0,
}
const STATUS_TONE: Record<SessionStatus, 'ok' | 'info' | 'muted' | 'bad'> = { completed: 'ok', running: 'info', stopped: 'muted', failed: 'bad' }

function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <Badge tone={STATUS_TONE[status] ?? 'muted'} status={status}>
      {status}
    </Badge>
  )
}

// The ToT parameters as the forms edit them (numbers as typed); totOf puts them over a full config.
interface TotFields {
  beam_width: string
  max_depth: string
  generate: GenerateMethod
  evaluate: EvaluateMethod
  evaluator: Evaluator
  search: SearchAlgorithm
  retrieval_k: string
  n_generate_sample: string
  n_evaluate_sample: string
  max_proposals: string
  max_steps: string
  max_tokens: string
  temperature: string
}

const NUMBER_FIELDS = [
  'beam_width',
  'max_depth',
  'retrieval_k',
  'n_generate_sample',
  'n_evaluate_sample',
  'max_proposals',
  'max_steps',
  'max_tokens',
  'temperature',
] as const

function totFields(d: ReasoningDefaults): TotFields {
  const numbers = Object.fromEntries(NUMBER_FIELDS.map((f) => [f, String(d.tot[f])])) as Record<(typeof NUMBER_FIELDS)[number], string>
  return { ...numbers, generate: d.tot.generate, evaluate: d.tot.evaluate, evaluator: d.tot.evaluator, search: d.tot.search }
}

function totOf(base: TreeOfThoughtsConfig, fields: TotFields): TreeOfThoughtsConfig {
  const out: TreeOfThoughtsConfig = { ...base, generate: fields.generate, evaluate: fields.evaluate, evaluator: fields.evaluator, search: fields.search }
  for (const f of NUMBER_FIELDS) if (fields[f].trim() !== '') out[f] = Number(fields[f])
  return out
}

function NumberField({ name, label, value, onChange, title }: { name: string; label: string; value: string; onChange: (v: string) => void; title?: string }) {
  return (
    <label title={title}>
      <span>{label}</span>
      <input name={name} type="number" step="any" min={0} value={value} onChange={(e) => onChange(e.target.value)} className="narrow" />
    </label>
  )
}

function TotInputs({ value, onChange }: { value: TotFields; onChange: (next: TotFields) => void }) {
  const set = (patch: Partial<TotFields>) => onChange({ ...value, ...patch })
  return (
    <>
      <div className="form-row">
        <label title="b: states kept per BFS step">
          <span>beam width</span>
          <input name="beam_width" type="number" min={1} max={64} value={value.beam_width} onChange={(e) => set({ beam_width: e.target.value })} className="narrow" />
        </label>
        <label>
          <span>max depth</span>
          <input name="max_depth" type="number" min={1} max={32} value={value.max_depth} onChange={(e) => set({ max_depth: e.target.value })} className="narrow" />
        </label>
        <label>
          <span>search</span>
          <select name="search" value={value.search} onChange={(e) => set({ search: e.target.value as SearchAlgorithm })}>
            <option>bfs</option>
            <option>dfs</option>
          </select>
        </label>
      </div>
      <div className="form-row">
        <label>
          <span>generate</span>
          <select name="generate" value={value.generate} onChange={(e) => set({ generate: e.target.value as GenerateMethod })}>
            <option>propose</option>
            <option>sample</option>
          </select>
        </label>
        <label>
          <span>evaluate</span>
          <select name="evaluate" value={value.evaluate} onChange={(e) => set({ evaluate: e.target.value as EvaluateMethod })}>
            <option>value</option>
            <option>vote</option>
          </select>
        </label>
        <label>
          <span>evaluator</span>
          <select name="evaluator" value={value.evaluator} onChange={(e) => set({ evaluator: e.target.value as Evaluator })}>
            <option>model</option>
            <option>checker</option>
          </select>
        </label>
      </div>
      <details className="advanced">
        <summary className="small muted">more ToT parameters</summary>
        <div className="form-row">
          <NumberField name="n_generate_sample" label="samples" title="samples per state (generate=sample)" value={value.n_generate_sample} onChange={(v) => set({ n_generate_sample: v })} />
          <NumberField name="n_evaluate_sample" label="evaluations" title="value samples per state, or votes per step" value={value.n_evaluate_sample} onChange={(v) => set({ n_evaluate_sample: v })} />
          <NumberField name="max_proposals" label="proposals" title="children kept from one propose call" value={value.max_proposals} onChange={(v) => set({ max_proposals: v })} />
        </div>
        <div className="form-row">
          <NumberField name="max_steps" label="max steps" title="expansion budget" value={value.max_steps} onChange={(v) => set({ max_steps: v })} />
          <NumberField name="max_tokens" label="max tokens" title="per model call" value={value.max_tokens} onChange={(v) => set({ max_tokens: v })} />
          <NumberField name="temperature" label="temperature" value={value.temperature} onChange={(v) => set({ temperature: v })} />
        </div>
      </details>
    </>
  )
}

function StartForm({ defaults, indexes, onStarted }: { defaults: ReasoningDefaults; indexes: IndexInfo[]; onStarted: (s: SessionSummary) => void }) {
  const [query, setQuery] = useState('')
  const [mode, setMode] = useState<'' | ReasoningMode>('')
  const [task, setTask] = useState<TaskKind>('open')
  const [tot, setTot] = useState<TotFields>(() => totFields(defaults))
  const [k, setK] = useState('') // '': each mode's configured k
  const [index, setIndex] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  const submit = async () => {
    setBusy(true)
    setError(null)
    const body: StartReasoningBody = {
      query: query.trim(),
      task,
      tot: totOf(defaults.tot, { ...tot, retrieval_k: '' }), // retrieval k: the field below
    }
    if (k.trim()) {
      // one k for every retrieval: the ToT+RAG expansions, RAG and S3 (those need one at least)
      const retrieval = Number(k)
      body.tot = { ...body.tot!, retrieval_k: retrieval }
      body.rag = { ...defaults.rag, k: Math.max(1, retrieval) }
      body.s3 = { ...defaults.s3, k: Math.max(1, retrieval) }
    }
    if (mode) body.mode = mode
    if (index) body.index = index
    try {
      const started = await startReasoning(socket(), body)
      toast.ok(`Started ${started.session_id}`)
      onStarted(started)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="form"
      data-testid="start-reasoning"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>question</span>
        <textarea
          name="query"
          rows={3}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder={task === 'game24' ? 'four numbers, e.g. 4 9 10 13' : 'What do you want to reason about?'}
        />
      </label>
      <div className="form-row">
        <label>
          <span>mode</span>
          <select name="mode" value={mode} onChange={(e) => setMode(e.target.value as ReasoningMode | '')}>
            <option value="">default ({defaults.default_mode})</option>
            {MODES.map((m) => (
              <option key={m} value={m} title={defaults.modes?.[m]}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>task</span>
          <select name="task" value={task} onChange={(e) => setTask(e.target.value as TaskKind)}>
            <option value="open">open question</option>
            <option value="game24">Game of 24</option>
          </select>
        </label>
      </div>
      {mode && defaults.modes?.[mode] ? <p className="muted small type-help">{defaults.modes[mode]}</p> : null}
      <TotInputs value={tot} onChange={setTot} />
      <div className="form-row">
        <label title="passages per retrieval (ToT+RAG expansions, RAG and S3)">
          <span>retrieval k</span>
          <input
            name="retrieval_k"
            type="number"
            min={0}
            max={50}
            value={k}
            onChange={(e) => setK(e.target.value)}
            className="narrow"
            placeholder={`${defaults.tot.retrieval_k}/${defaults.rag.k}`}
          />
        </label>
        <label className="grow">
          <span>index</span>
          <select name="index" value={index} onChange={(e) => setIndex(e.target.value)}>
            <option value="">default</option>
            {indexes.map((i) => (
              <option key={i.name}>{i.name}</option>
            ))}
          </select>
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={!query.trim()}>
        Start
      </Button>
    </form>
  )
}

function NodeDetail({ node, tree }: { node: ThoughtNode; tree: SessionTree }) {
  const passages = (node.passage_ids ?? []).map((id) => tree.passages[id] ?? { id, text: '(passage text not stored)', score: 0 })
  return (
    <div className="detail" data-testid="node-detail">
      <div className="detail-head">
        <h3>
          Node <code>{node.id}</code>
        </h3>
        <Badge tone={node.status === 'pruned' ? 'muted' : node.status === 'selected' ? 'ok' : 'info'}>{node.status}</Badge>
      </div>
      <div className="kv kv-wide">
        <span>thought</span>
        <span className="pre" data-testid="node-thought">
          {node.thought || <span className="muted">(the question itself)</span>}
        </span>
        <span>state</span>
        <span className="pre mono">{node.state || '–'}</span>
        <span>value</span>
        <span>{node.value === null || node.value === undefined ? 'not valued' : num(node.value, 3)}</span>
        <span>depth</span>
        <span>
          {node.depth}
          {node.terminal ? ' · terminal' : ''}
          {node.expanded ? ' · expanded' : ''}
        </span>
        {node.note ? (
          <>
            <span>note</span>
            <span>{node.note}</span>
          </>
        ) : null}
      </div>
      {passages.length ? (
        <>
          <h4>Retrieved passages</h4>
          <ol className="passages">
            {passages.map((p) => (
              <li key={p.id}>
                <span className="score">{p.score.toFixed(3)}</span> {p.source ? <span className="muted small">{p.source}</span> : null}
                <div className="hit-text">{p.text}</div>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  )
}

function ResultPanel({ view, tree }: { view: ReasoningResultView; tree: SessionTree | undefined }) {
  const { session, result } = view
  const metrics = result?.metrics ?? session.metrics ?? EMPTY_METRICS
  const path = (result?.best_path?.length ? result.best_path : (tree?.bestPath ?? [])).map((id) => tree?.nodes[id]).filter(Boolean) as ThoughtNode[]
  const answer = result?.answer ?? session.answer
  return (
    <div className="result" data-testid="reasoning-result" data-status={session.status}>
      {answer ? (
        <div className="answer" data-testid="reasoning-answer">
          {answer}
        </div>
      ) : session.status === 'running' ? null : (
        <Empty>No answer{session.error || result?.error ? `: ${result?.error ?? session.error}` : '.'}</Empty>
      )}
      <div className="kv kv-wide">
        <span>confidence</span>
        <span>{pct((result?.confidence ?? session.confidence) * 100, 0)}</span>
        {session.solved !== null && session.solved !== undefined ? (
          <>
            <span>solved</span>
            <span>{session.solved ? 'yes (the checker agrees)' : 'no'}</span>
          </>
        ) : null}
        <span>mode</span>
        <span>
          {session.mode}
          {session.resolved_mode && session.resolved_mode !== session.mode ? ` → ${session.resolved_mode}` : ''}
          {result?.routing ? ` (${result.routing.complexity}, ${result.routing.method})` : ''}
        </span>
        {result?.stop_reason ? (
          <>
            <span>stopped by</span>
            <span>{result.stop_reason}</span>
          </>
        ) : null}
        <span>model calls</span>
        <span>
          {num(metrics.model_calls)} · {num(metrics.prompt_tokens)} prompt + {num(metrics.completion_tokens)} completion tokens
        </span>
        <span>nodes</span>
        <span>
          {num(metrics.nodes_generated)} generated · {num(metrics.nodes_evaluated)} evaluated · {num(metrics.nodes_pruned)} pruned
        </span>
        <span>retrievals</span>
        <span>{num(metrics.retrieval_calls)}</span>
        <span>time</span>
        <span>{metrics.wall_time_s ? `${num(metrics.wall_time_s, 1)} s` : '–'}</span>
      </div>
      {path.length ? (
        <>
          <h4>Winning path</h4>
          <ol className="best-path" data-testid="best-path">
            {path.map((n) => (
              <li key={n.id}>
                {n.thought || <span className="muted">(the question)</span>}
                {n.value !== null && n.value !== undefined ? <span className="muted small"> · value {num(n.value, 2)}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {result?.passages?.length ? (
        <>
          <h4>Passages the answer was given</h4>
          <ol className="passages">
            {(result.passages ?? []).map((p) => (
              <li key={p.id} className={(result.cited ?? []).includes(p.id) ? 'cited' : ''}>
                <span className="score">{p.score.toFixed(3)}</span> {(result.cited ?? []).includes(p.id) ? <Badge tone="ok">cited</Badge> : null}
                <div className="hit-text">{p.text}</div>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  )
}

function SessionPanel({
  view,
  tree,
  onStop,
}: {
  view: ReasoningResultView
  tree: SessionTree | undefined
  onStop: () => Promise<void>
}) {
  const [selected, setSelected] = useState<string | null>(null)
  const session = view.session
  const running = session.status === 'running'
  const node = selected && tree ? tree.nodes[selected] : undefined
  const c = tree ? counts(tree) : null
  return (
    <div data-testid="reasoning-session" data-session-id={session.session_id} data-status={session.status}>
      <div className="session-head">
        <div className="grow">
          <div className="session-query">{session.query}</div>
          <div className="muted small">
            <code>{session.session_id}</code> · {session.task} · {session.model} · index {session.index} · started {ago(session.created_at)}
            {session.restarts ? ` · restarted ${session.restarts}×` : ''}
          </div>
        </div>
        <StatusBadge status={session.status} />
        {running ? (
          <Button variant="danger" size="sm" onClick={() => void onStop()} data-testid="stop-reasoning">
            Stop
          </Button>
        ) : null}
      </div>
      {tree && tree.order.length ? (
        <>
          <div className="muted small tree-legend">
            {tree.order.length} nodes · {c?.selected ?? 0} kept · {c?.pruned ?? 0} pruned · colour: value (red low, green high), grey: pruned, bold: winning path
          </div>
          <ThoughtTree tree={tree} selected={selected} onSelect={(id) => setSelected(selected === id ? null : id)} />
          {node ? <NodeDetail node={node} tree={tree} /> : <div className="muted small">Click a node to read its thought.</div>}
        </>
      ) : running ? (
        <div className="loading">Waiting for the first thoughts…</div>
      ) : TREE_MODES.has(session.resolved_mode ?? session.mode) ? (
        <Empty>No thought nodes were stored for this session.</Empty>
      ) : (
        <div className="muted small">Mode {session.resolved_mode ?? session.mode} builds no thought tree.</div>
      )}
      <ResultPanel view={view} tree={tree} />
    </div>
  )
}

function History({ onOpen, current, version }: { onOpen: (id: string) => void; current: string | null; version: number }) {
  const [offset, setOffset] = useState(0)
  const [status, setStatus] = useState('')
  const [mode, setMode] = useState('')
  const history = useResource(() => {
    const q = new URLSearchParams({ limit: String(HISTORY_PAGE), offset: String(offset) })
    if (status) q.set('status', status)
    if (mode) q.set('mode', mode)
    return api.get<ReasoningHistory>(`reasoning/history?${q}`)
  }, [offset, status, mode, version], 15000)
  return (
    <div data-testid="reasoning-history">
      <div className="form-row">
        <select aria-label="status" value={status} onChange={(e) => (setOffset(0), setStatus(e.target.value))}>
          <option value="">any status</option>
          {['running', 'completed', 'stopped', 'failed'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <select aria-label="mode" value={mode} onChange={(e) => (setOffset(0), setMode(e.target.value))}>
          <option value="">any mode</option>
          {MODES.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </div>
      <Loaded resource={history} what="Session history">
        {(h) =>
          h.sessions.length === 0 ? (
            <Empty>No sessions{status || mode ? ' match' : ' yet'}.</Empty>
          ) : (
            <>
              <ul className="history">
                {h.sessions.map((s) => (
                  <li key={s.session_id}>
                    <button
                      type="button"
                      className={s.session_id === current ? 'history-item active' : 'history-item'}
                      onClick={() => onOpen(s.session_id)}
                      data-testid="history-item"
                      data-session-id={s.session_id}
                      data-status={s.status}
                    >
                      <span className="history-query">{s.query}</span>
                      <span className="muted small">
                        <StatusBadge status={s.status} /> {s.resolved_mode ?? s.mode} · {s.nodes} nodes · {ago(s.created_at)}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
              <div className="pager small muted">
                {h.offset + 1}–{h.offset + h.sessions.length} of {h.total}
                <Button size="sm" variant="ghost" disabled={h.offset === 0} onClick={() => setOffset(Math.max(0, h.offset - HISTORY_PAGE))}>
                  Newer
                </Button>
                <Button size="sm" variant="ghost" disabled={h.offset + h.sessions.length >= h.total} onClick={() => setOffset(h.offset + HISTORY_PAGE)}>
                  Older
                </Button>
              </div>
            </>
          )
        }
      </Loaded>
    </div>
  )
}

function DefaultsEditor({ defaults, onSaved }: { defaults: ReasoningDefaults; onSaved: (d: ReasoningDefaults) => void }) {
  const [mode, setMode] = useState<ReasoningMode>(defaults.default_mode)
  const [tot, setTot] = useState<TotFields>(() => totFields(defaults))
  const [ragK, setRagK] = useState(String(defaults.rag.k))
  const [ragMode, setRagMode] = useState(defaults.rag.mode)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const save = async () => {
    setBusy(true)
    setError(null)
    try {
      const saved = await api.post<ReasoningDefaults>('reasoning/modes', {
        default_mode: mode,
        tot: totOf(defaults.tot, tot),
        rag: { ...defaults.rag, k: Number(ragK), mode: ragMode },
      })
      toast.ok('Saved the reasoning defaults')
      onSaved(saved)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="form"
      data-testid="reasoning-defaults"
      onSubmit={(event) => {
        event.preventDefault()
        void save()
      }}
    >
      <label>
        <span>default mode</span>
        <select name="default_mode" value={mode} onChange={(e) => setMode(e.target.value as ReasoningMode)}>
          {MODES.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <TotInputs value={tot} onChange={setTot} />
      <div className="form-row">
        <label>
          <span>ToT retrieval k</span>
          <input type="number" min={0} max={50} value={tot.retrieval_k} onChange={(e) => setTot({ ...tot, retrieval_k: e.target.value })} className="narrow" />
        </label>
        <label>
          <span>RAG k</span>
          <input type="number" min={1} max={50} value={ragK} onChange={(e) => setRagK(e.target.value)} className="narrow" />
        </label>
        <label>
          <span>RAG search</span>
          <select value={ragMode} onChange={(e) => setRagMode(e.target.value as typeof ragMode)}>
            <option>hybrid</option>
            <option>semantic</option>
            <option>keyword</option>
          </select>
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" busy={busy}>
        Save defaults
      </Button>
      <dl className="modes small">
        {Object.entries(defaults.modes ?? {}).map(([m, what]) => (
          <div key={m}>
            <dt>
              <code>{m}</code>
            </dt>
            <dd className="muted">{what}</dd>
          </div>
        ))}
      </dl>
    </form>
  )
}

export default function ReasoningPage() {
  const defaults = useResource(() => api.get<ReasoningDefaults>('reasoning/modes'), [])
  const status = useResource(() => api.get<ReasoningStatusView>('reasoning/status'), [], 10000)
  const indexes = useResource(() => api.get<{ indexes: IndexInfo[] }>('search/indexes'), [])
  const [sessions, dispatch] = useReducer(sessionsReducer, {})
  const [current, setCurrent] = useState<string | null>(null)
  const [view, setView] = useState<ReasoningResultView | null>(null)
  const [viewError, setViewError] = useState<unknown>(null)
  const [historyVersion, setHistoryVersion] = useState(0)
  const [showDefaults, setShowDefaults] = useState(false)
  const currentRef = useRef<string | null>(null)
  const follower = useRef<AbortController | null>(null)
  const reloadStatus = status.reload
  const reloadDefaults = defaults.reload

  const refreshTree = useCallback(async (id: string) => {
    try {
      dispatch({ type: 'tree', sessionId: id, tree: await sessionTree(id) })
    } catch (exc) {
      if (currentRef.current === id) setViewError(exc)
    }
  }, [])

  // Follow a running session until it ends: the result long-polls (wait_s), so the answer
  // comes even without the live socket; the tree is read again at the end.
  const follow = useCallback(
    async (id: string) => {
      follower.current?.abort()
      const controller = new AbortController()
      follower.current = controller
      while (!controller.signal.aborted && currentRef.current === id) {
        const asked = Date.now()
        try {
          const answer = await sessionResult(id, 25, controller.signal)
          if (controller.signal.aborted || currentRef.current !== id) return
          setView(answer)
          if (answer.session.status !== 'running') {
            await refreshTree(id)
            if (answer.result) dispatch({ type: 'finished', sessionId: id, status: answer.session.status, bestPath: answer.result.best_path })
            return
          }
          // a server that answers at once (no long poll) is asked at most once a second
          const left = 1000 - (Date.now() - asked)
          if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
        } catch (exc) {
          if (controller.signal.aborted) return
          setViewError(exc)
          await new Promise((resolve) => setTimeout(resolve, 2000))
        }
      }
    },
    [refreshTree],
  )

  const open = useCallback(
    async (id: string) => {
      currentRef.current = id
      setCurrent(id)
      setViewError(null)
      try {
        const answer = await sessionResult(id)
        if (currentRef.current !== id) return
        setView(answer)
        await refreshTree(id)
        if (answer.session.status === 'running') void follow(id)
        else follower.current?.abort()
      } catch (exc) {
        if (currentRef.current === id) setViewError(exc)
      }
    },
    [follow, refreshTree],
  )

  useEffect(() => () => follower.current?.abort(), [])

  // A session's events come on `reasoning.<id>`; `reasoning` carries the defaults' changes
  // and the completion of a session ended without its actor.
  const onEvent = useCallback(
    (frame: WsFrame) => {
      const data = frame.data ?? {}
      if (frame.type === 'reasoning_defaults') {
        void reloadDefaults()
        return
      }
      const id = typeof data.session_id === 'string' ? data.session_id : null
      if (!id) return
      if (frame.type === 'reasoning_update' && data.node) {
        dispatch({ type: 'node', sessionId: id, event: data.event, node: data.node })
      } else if (frame.type === 'reasoning_created' || frame.type === 'reasoning_started') {
        setHistoryVersion((v) => v + 1)
        void reloadStatus()
      } else if (frame.type === 'reasoning_complete') {
        dispatch({ type: 'finished', sessionId: id, status: data.status })
        dispatch({ type: 'forget', keep: 30 })
        setHistoryVersion((v) => v + 1)
        void reloadStatus()
        if (currentRef.current === id) {
          setView((prev) =>
            prev && prev.session.session_id === id
              ? { ...prev, session: { ...prev.session, status: data.status, answer: data.answer, confidence: data.confidence ?? 0, solved: data.solved, error: data.error } }
              : prev,
          )
        }
      }
    },
    [reloadStatus, reloadDefaults],
  )
  useTopic('reasoning.*', onEvent)
  useTopic('reasoning', onEvent)

  const onStarted = (summary: SessionSummary) => {
    currentRef.current = summary.session_id
    setCurrent(summary.session_id)
    setView({ session: summary, result: null })
    setViewError(null)
    setHistoryVersion((v) => v + 1)
    void reloadStatus()
    void refreshTree(summary.session_id)
    void follow(summary.session_id)
  }

  const stop = async () => {
    if (!current) return
    try {
      const summary = await stopReasoning(current)
      toast.ok(`Stopped ${current}`)
      setView((prev) => (prev && prev.session.session_id === summary.session_id ? { ...prev, session: summary } : prev))
    } catch (exc) {
      toast.bad(`Stop ${current}: ${errorText(exc)}`)
    }
  }

  if (defaults.error instanceof ApiError && defaults.error.unavailable && !defaults.data) {
    return (
      <div className="page" data-testid="page-reasoning">
        <header className="page-head">
          <div>
            <h1>Reasoning</h1>
          </div>
        </header>
        <Loaded resource={defaults} what="The reasoning API">
          {() => null}
        </Loaded>
      </div>
    )
  }

  const s = status.data
  return (
    <div className="page" data-testid="page-reasoning">
      <header className="page-head">
        <div>
          <h1>Reasoning</h1>
          <p className="muted">Tree-of-thought search, retrieval-augmented and adaptive reasoning sessions, each a supervised actor; the tree grows live.</p>
        </div>
      </header>

      {s ? (
        <div className="stats-row" data-testid="reasoning-summary">
          <Stat label="running" value={s.running} />
          <Stat label="completed" value={num(s.totals?.completed ?? 0)} />
          <Stat label="stopped · failed" value={`${num(s.totals?.stopped ?? 0)} · ${num(s.totals?.failed ?? 0)}`} />
          <Stat label="default mode" value={s.default_mode} />
        </div>
      ) : null}

      <div className="grid-side grid-side-wide">
        <Card title="Session">
          {viewError ? <ErrorNote error={viewError} onRetry={current ? () => void open(current) : undefined} /> : null}
          {view ? (
            <SessionPanel key={view.session.session_id} view={view} tree={sessions[view.session.session_id]} onStop={stop} />
          ) : (
            <Empty>Start a session with the form, or open one from the history.</Empty>
          )}
        </Card>
        <div className="side-stack">
          <Card title="Start a session">
            <Loaded resource={defaults} what="Reasoning defaults">
              {(d) => <StartForm key={JSON.stringify(d)} defaults={d} indexes={indexes.data?.indexes ?? []} onStarted={onStarted} />}
            </Loaded>
          </Card>
          <Card title="History">
            <History onOpen={(id) => void open(id)} current={current} version={historyVersion} />
          </Card>
          <Card
            title="Defaults"
            actions={
              <Button size="sm" variant="ghost" onClick={() => setShowDefaults(!showDefaults)} aria-expanded={showDefaults}>
                {showDefaults ? 'Hide' : 'Edit'}
              </Button>
            }
          >
            {showDefaults && defaults.data ? (
              <DefaultsEditor defaults={defaults.data} onSaved={() => void reloadDefaults()} />
            ) : defaults.data ? (
              <div className="muted small">
                {defaults.data.default_mode} · ToT b={defaults.data.tot.beam_width}, depth {defaults.data.tot.max_depth}, {defaults.data.tot.generate}/
                {defaults.data.tot.evaluate}, {defaults.data.tot.search} · RAG k={defaults.data.rag.k} ({defaults.data.rag.mode})
              </div>
            ) : null}
          </Card>
        </div>
      </div>
    </div>
  )
}
