import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import uPlot from 'uplot'
import { Chart, padded } from '../components/Chart'
import { Badge, Button, Card, Empty, ErrorNote, Loaded, Stat } from '../components/ui'
import { api, ApiError, errorText } from '../lib/api'
import {
  bestOn,
  FieldError,
  genomeLabel,
  historySeries,
  islandBests,
  objectiveText,
  PRESET_OBJECTIVES,
  RUN_STATUSES,
  scatterData,
  scatterPoints,
  startBody,
  withProgress,
  type StartFields,
} from '../lib/evolution'
import type {
  CreateAgentRequest,
  EvolutionResults,
  EvolutionStatusView,
  LineageView,
  Member,
  ObjectiveSpec,
  RecipeList,
  RecipeView,
  RunProgress,
  RunStatus,
  RunSummary,
  RunView,
} from '../lib/evolutionTypes'
import { ago, duration, num } from '../lib/format'
import { useRoute } from '../lib/router'
import { useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { Agent, AgentType } from '../lib/types'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

const enc = encodeURIComponent
const POLL_MS = 3000
const HISTORY_PAGE = 15
const STATUS_TONE: Record<RunStatus, 'ok' | 'info' | 'muted' | 'bad'> = { completed: 'ok', running: 'info', stopped: 'muted', failed: 'bad' }
const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#1098ad', '#c92a2a']

function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <Badge tone={STATUS_TONE[status] ?? 'muted'} status={status}>
      {status}
    </Badge>
  )
}

const axisLabel = (spec: ObjectiveSpec) => `${spec.name} (${spec.direction === 'max' ? 'higher' : 'lower'} is better)`

// ---- starting a run ---------------------------------------------------------------------

function StartForm({ tasks, onStarted }: { tasks: string[]; onStarted: (s: RunSummary) => void }) {
  const [fields, setFields] = useState<StartFields>({
    task: tasks[0] ?? '',
    objectives: [...PRESET_OBJECTIVES],
    population_size: '',
    islands: '',
    generations: '',
    metric_calls: '',
    wall_time_s: '',
    extra: '',
  })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const set = (patch: Partial<StartFields>) => setFields({ ...fields, ...patch })
  const submit = async () => {
    setError(null)
    let body
    try {
      body = startBody(fields)
    } catch (exc) {
      setError(exc instanceof FieldError ? new ApiError(422, 'validation_error', exc.message, exc.field) : exc)
      return
    }
    setBusy(true)
    try {
      const started = await api.post<RunSummary>('evolution/start', body, 150000) // the gateway gives the manager 60 s (more under load)
      toast.ok(`Started run ${started.run_id}`)
      onStarted(started)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }
  const number = (name: keyof StartFields, label: string, title: string, min = 1) => (
    <label title={title}>
      <span>{label}</span>
      <input name={name} type="number" min={min} value={String(fields[name])} onChange={(e) => set({ [name]: e.target.value })} className="narrow" placeholder="default" />
    </label>
  )
  return (
    <form
      className="form"
      data-testid="start-evolution"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>task</span>
        <select name="task" value={fields.task} onChange={(e) => set({ task: e.target.value })}>
          {tasks.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <fieldset className="checks">
        <legend className="small">objectives</legend>
        {PRESET_OBJECTIVES.map((o) => (
          <label key={o} className="check">
            <input
              type="checkbox"
              name={`objective-${o}`}
              checked={fields.objectives.includes(o)}
              onChange={(e) => set({ objectives: e.target.checked ? PRESET_OBJECTIVES.filter((p) => p === o || fields.objectives.includes(p)) : fields.objectives.filter((p) => p !== o) })}
            />
            {o}
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        {number('population_size', 'population', 'members per island', 2)}
        {number('islands', 'islands', 'island populations (one actor each), ring migration between them')}
        {number('generations', 'generations', 'the most generations the run makes')}
      </div>
      <div className="form-row">
        {number('metric_calls', 'budget: metric calls', '(recipe, example) evaluations computed, all splits')}
        {number('wall_time_s', 'budget: seconds', 'wall time the run may take')}
      </div>
      <details className="advanced">
        <summary className="small muted">more parameters (JSON)</summary>
        <label>
          <span>further fields of the start request: space, text, cascade, seeds, patience, migration…</span>
          <textarea
            name="extra"
            rows={4}
            className="mono"
            value={fields.extra}
            onChange={(e) => set({ extra: e.target.value })}
            placeholder='{"space": {"modes": ["direct"], "max_tokens": {"low": 8, "high": 64}}, "patience": 3}'
          />
        </label>
      </details>
      <p className="muted small">Empty fields take the platform's defaults (configs/evolution.yaml).</p>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={!fields.task}>
        Start
      </Button>
    </form>
  )
}

// ---- charts -------------------------------------------------------------------------------

function ParetoScatter({ view, recipes, onPick }: { view: RunView; recipes: RecipeView[]; onPick: (key: string) => void }) {
  const objectives = view.config.objectives
  const [xName, setX] = useState(objectives[0]?.name ?? '')
  const [yName, setY] = useState(objectives[1]?.name ?? objectives[0]?.name ?? '')
  const xSpec = objectives.find((o) => o.name === xName) ?? objectives[0]
  const ySpec = objectives.find((o) => o.name === yName) ?? objectives[0]
  const front = view.progress?.front ?? []
  const points = useMemo(
    () =>
      scatterPoints(
        recipes.map((r) => ({ key: r.recipe_id, objectives: r.objectives })),
        front,
        xSpec.name,
        ySpec.name,
      ),
    [recipes, front, xSpec.name, ySpec.name],
  )
  const shaped = useMemo(() => scatterData(points, xSpec, ySpec), [points, xSpec, ySpec])
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false, range: padded }, y: { range: padded } },
      axes: [{ label: axisLabel(xSpec) }, { label: axisLabel(ySpec) }],
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: xSpec.name },
        { label: 'other recipes', stroke: '#9aa3b2', fill: '#c5cad3', paths: () => null, points: { show: true, size: 6, stroke: '#9aa3b2', fill: '#c5cad3' } },
        { label: 'Pareto front (all objectives)', stroke: COLORS[0], paths: () => null, points: { show: true, size: 9, stroke: COLORS[0], fill: COLORS[0] } },
        { label: `front of ${xSpec.name} × ${ySpec.name}`, stroke: COLORS[1], width: 1.5, dash: [4, 3], spanGaps: true, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } },
      ],
    }),
    // made again only when the objectives drawn change, not on every poll's new objects
    [xSpec.name, xSpec.direction, ySpec.name, ySpec.direction],
  )
  if (objectives.length < 2) return <div className="muted small">The run has one objective: its history is below.</div>
  return (
    <div data-testid="pareto">
      <div className="form-row">
        <label>
          <span>x</span>
          <select name="pareto-x" value={xSpec.name} onChange={(e) => setX(e.target.value)}>
            {objectives.map((o) => (
              <option key={o.name}>{o.name}</option>
            ))}
          </select>
        </label>
        <label>
          <span>y</span>
          <select name="pareto-y" value={ySpec.name} onChange={(e) => setY(e.target.value)}>
            {objectives.map((o) => (
              <option key={o.name}>{o.name}</option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {points.length} recipes · {points.filter((p) => p.front).length} on the front · click a point for its recipe
        </span>
      </div>
      {points.length ? (
        <Chart
          testId="pareto-chart"
          options={options}
          data={shaped.data}
          height={300}
          onPick={(i) => shaped.keys[i] && onPick(shaped.keys[i])}
          attrs={{ points: points.length, front: points.filter((p) => p.front).length, x: xSpec.name, y: ySpec.name }}
        />
      ) : (
        <Empty>No recipe has been scored on both objectives yet.</Empty>
      )}
    </div>
  )
}

function HistoryCharts({ view }: { view: RunView }) {
  const objectives = view.config.objectives
  const series = useMemo(
    () =>
      historySeries(
        view.history ?? [],
        objectives.map((o) => o.name),
      ),
    [view.history, objectives],
  )
  const objectivesKey = objectives.map((o) => `${o.name}:${o.direction}`).join(',')
  const hvOptions = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false }, hv: { range: padded }, div: { range: [0, 1] } },
      axes: [{ label: 'generation' }, { scale: 'hv', label: 'hypervolume' }, { scale: 'div', side: 1, label: 'diversity', grid: { show: false } }],
      series: [
        { label: 'generation' },
        { label: 'hypervolume', scale: 'hv', stroke: COLORS[0], width: 2, points: { show: true } },
        { label: 'diversity', scale: 'div', stroke: COLORS[2], width: 1.5, dash: [5, 3], points: { show: true } },
      ],
    }),
    [],
  )
  const bestOptions = useMemo(
    () =>
      objectives.map(
        (o, i): Omit<uPlot.Options, 'width' | 'height'> => ({
          scales: { x: { time: false }, y: { range: padded } },
          axes: [{ label: 'generation' }, { label: o.name }],
          series: [{ label: 'generation' }, { label: `best ${o.name} (${o.direction})`, stroke: COLORS[(i + 1) % COLORS.length], width: 2, points: { show: true } }],
        }),
      ),
    [objectivesKey],
  )
  const hvData = useMemo<uPlot.AlignedData>(() => [series.generations, series.hypervolume, series.diversity], [series])
  if (series.generations.length === 0) return <div className="muted small">The charts start after the first generation.</div>
  return (
    <div className="evo-charts" data-testid="history-charts" data-generations={series.generations.length}>
      <div>
        <h4>Hypervolume and diversity</h4>
        <Chart testId="hypervolume-chart" options={hvOptions} data={hvData} height={200} attrs={{ generations: series.generations.length }} />
      </div>
      <div className="evo-best">
        {objectives.map((o, i) => (
          <div key={o.name}>
            <h4>Best {o.name}</h4>
            <Chart testId={`best-chart-${o.name}`} options={bestOptions[i]} data={[series.generations, series.best[o.name]]} height={150} />
          </div>
        ))}
      </div>
    </div>
  )
}

// ---- a run --------------------------------------------------------------------------------

function MemberRow({ member, objectives, onOpen, selected }: { member: Member; objectives: ObjectiveSpec[]; onOpen: (key: string) => void; selected: boolean }) {
  return (
    <tr className={selected ? 'clickable selected' : 'clickable'} onClick={() => onOpen(member.key)} data-testid="front-member" data-key={member.key}>
      <td>
        <code>{member.key.slice(0, 10)}</code>
      </td>
      {objectives.map((o) => (
        <td key={o.name}>{objectiveText(o.name, member.objectives?.[o.name])}</td>
      ))}
      <td className="small">{genomeLabel(member.genome)}</td>
      <td className="small muted">
        g{member.lineage?.generation ?? 0} · island {member.lineage?.island ?? 0} · {(member.lineage?.operators ?? []).join('+') || 'seed'}
      </td>
    </tr>
  )
}

function RunPanel({
  view,
  recipes,
  results,
  selected,
  onOpenRecipe,
  onStop,
}: {
  view: RunView
  recipes: RecipeView[]
  results: EvolutionResults | null
  selected: string | null
  onOpenRecipe: (key: string) => void
  onStop: () => Promise<void>
}) {
  const { run, config, progress } = view
  const running = run.status === 'running'
  const objectives = config.objectives
  const front = progress?.front ?? []
  const [stopping, setStopping] = useState(false)
  return (
    <div className="evo-run" data-testid="evolution-run" data-run-id={run.run_id} data-status={run.status} data-generation={run.generation}>
      <div className="session-head">
        <div className="grow">
          <div className="session-query">
            {run.task} · {run.objectives.join(', ')}
          </div>
          <div className="muted small">
            <code>{run.run_id}</code> · {run.islands} island{run.islands === 1 ? '' : 's'} × {run.population_size} · started {ago(run.created_at)}
            {run.restarts ? ` · restarted ${run.restarts}×` : ''}
            {run.stop_reason ? ` · stopped by ${run.stop_reason}` : ''}
          </div>
        </div>
        <StatusBadge status={run.status} />
        {running ? (
          <Button
            variant="danger"
            size="sm"
            busy={stopping}
            data-testid="stop-evolution"
            onClick={async () => {
              setStopping(true)
              try {
                await onStop()
              } finally {
                setStopping(false)
              }
            }}
          >
            Stop
          </Button>
        ) : null}
      </div>
      {run.error ? <ErrorNote error={new Error(run.error)} /> : null}
      <div className="stats-row evo-stats" data-testid="run-stats">
        <Stat label="generation" value={`${run.generation} / ${run.generations}`} />
        <Stat
          label="evaluations"
          value={num(run.evaluations)}
          sub={`${config.budget?.metric_calls ? `budget ${num(config.budget.metric_calls)} · ` : ''}${num(view.stored_evaluations ?? 0)} stored${view.duplicates ? ` · ${num(view.duplicates)} computed twice` : ''}`}
        />
        <Stat label="hypervolume" value={num(run.hypervolume, 4)} />
        <Stat label="diversity" value={progress ? num(progress.diversity, 3) : '–'} sub={progress ? `${duration(progress.elapsed_s)} elapsed` : undefined} />
      </div>
      <div className="kv kv-wide" data-testid="run-best">
        {objectives.map((o) => (
          <span key={o.name} style={{ display: 'contents' }}>
            <span>best {o.name}</span>
            <span>{objectiveText(o.name, run.best?.[o.name])}</span>
          </span>
        ))}
      </div>

      <h3>Pareto front</h3>
      <ParetoScatter view={view} recipes={recipes} onPick={onOpenRecipe} />

      <h3>Over generations</h3>
      <HistoryCharts view={view} />

      <h3>Islands</h3>
      {progress?.islands?.length ? (
        <table className="table" data-testid="islands">
          <thead>
            <tr>
              <th>island</th>
              <th>generation</th>
              <th>population</th>
              <th>hypervolume</th>
              <th>diversity</th>
              <th>evaluations</th>
              <th>culled</th>
              <th>best recipe</th>
            </tr>
          </thead>
          <tbody>
            {islandBests(progress.islands, objectives).map(({ island, best }) => (
              <tr key={island.island} data-island={island.island}>
                <td>{island.island}</td>
                <td>{island.generation}</td>
                <td>{island.population}</td>
                <td>{num(island.hypervolume, 4)}</td>
                <td>{num(island.diversity, 3)}</td>
                <td>
                  {num(island.evaluations)} <span className="muted small">(+{num(island.cache_hits)} cached)</span>
                  {island.refused > 0 && (
                    <span className="muted small" title="metric calls not made: the budget had no room left for them">
                      {' '}
                      · {num(island.refused)} over budget
                    </span>
                  )}
                </td>
                <td>{num(island.culled)}</td>
                <td className="small">
                  {best ? (
                    <button type="button" className="linklike" onClick={() => onOpenRecipe(best.key)} data-testid="island-best">
                      {objectives.map((o) => `${o.name} ${objectiveText(o.name, best.objectives?.[o.name])}`).join(' · ')}
                    </button>
                  ) : (
                    <span className="muted">none scored yet</span>
                  )}
                  {best ? <div className="muted">{genomeLabel(best.genome)}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted small">{running ? 'Waiting for the first generation…' : 'No island reported progress.'}</div>
      )}

      <h3>Front ({front.length})</h3>
      {front.length ? (
        <table className="table" data-testid="front">
          <thead>
            <tr>
              <th>recipe</th>
              {objectives.map((o) => (
                <th key={o.name}>
                  {o.name} ({o.direction})
                </th>
              ))}
              <th>genome</th>
              <th>origin</th>
            </tr>
          </thead>
          <tbody>
            {[...front]
              .sort((a, b) => (bestOn([a, b], objectives[0]) === a ? -1 : 1))
              .map((m) => (
                <MemberRow key={m.key} member={m} objectives={objectives} onOpen={onOpenRecipe} selected={m.key === selected} />
              ))}
          </tbody>
        </table>
      ) : (
        <div className="muted small">No front yet.</div>
      )}

      {results?.test?.length ? (
        <>
          <h3>Held-out test split</h3>
          <table className="table" data-testid="test-split">
            <thead>
              <tr>
                <th>recipe</th>
                {objectives.map((o) => (
                  <th key={o.name}>{o.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {results.test.map((t) => (
                <tr key={t.key} className="clickable" onClick={() => onOpenRecipe(t.key)}>
                  <td>
                    <code>{t.key.slice(0, 10)}</code>
                  </td>
                  {objectives.map((o) => (
                    <td key={o.name}>{objectiveText(o.name, t.objectives[o.name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">Scored once the run ended, on examples selection never saw.</p>
        </>
      ) : null}
    </div>
  )
}

// ---- a recipe -----------------------------------------------------------------------------

function CreateAgent({ recipeId }: { recipeId: string }) {
  const types = useResource(() => api.get<{ types: AgentType[] }>('agents/types'), [])
  const [type, setType] = useState('')
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const navigate = useRoute((s) => s.navigate)
  const choices = types.data?.types ?? []
  const chosen = type || choices.find((t) => t.type === 'reasoning')?.type || choices[0]?.type || ''
  const create = async () => {
    setBusy(true)
    setError(null)
    try {
      const body: CreateAgentRequest = { type: chosen, name: name.trim() || undefined, recipe_id: recipeId }
      const agent = await api.post<Agent>('agents', body, 120000)
      toast.ok(`Created agent ${agent.name}`)
      navigate('agents')
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="form"
      data-testid="create-agent-from-recipe"
      onSubmit={(event) => {
        event.preventDefault()
        void create()
      }}
    >
      <div className="form-row">
        <label>
          <span>agent type</span>
          <select name="type" value={chosen} onChange={(e) => setType(e.target.value)}>
            {choices.map((t) => (
              <option key={t.type}>{t.type}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          <span>name</span>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
        </label>
        <Button type="submit" variant="primary" busy={busy} disabled={!chosen}>
          Create an agent from this recipe
        </Button>
      </div>
      {types.error && !types.data ? <ErrorNote error={types.error} /> : null}
      {error ? <ErrorNote error={error} /> : null}
    </form>
  )
}

function RecipePanel({ recipeId, objectives, onOpen }: { recipeId: string; objectives: ObjectiveSpec[]; onOpen: (key: string) => void }) {
  const recipe = useResource(() => api.get<RecipeView>(`evolution/recipes/${enc(recipeId)}`), [recipeId])
  const lineage = useResource(() => api.get<LineageView>(`evolution/recipes/${enc(recipeId)}/lineage?depth=20`), [recipeId])
  return (
    <div className="detail" data-testid="recipe-detail" data-recipe-id={recipeId}>
      <Loaded resource={recipe} what="The recipe">
        {(r) => (
          <>
            <div className="kv kv-wide">
              <span>recipe</span>
              <span>
                <code>{r.recipe_id}</code>
                {r.name ? ` · ${r.name}` : ''}
              </span>
              <span>genome</span>
              <span>{genomeLabel(r.genome)}</span>
              {objectives.map((o) => (
                <span key={o.name} style={{ display: 'contents' }}>
                  <span>{o.name}</span>
                  <span>{objectiveText(o.name, r.objectives?.[o.name])}</span>
                </span>
              ))}
              {r.genome.kind === 'recipe' ? (
                <>
                  <span>system prompt</span>
                  <span className="pre" data-testid="recipe-prompt">
                    {r.genome.system_prompt || <span className="muted">(none)</span>}
                  </span>
                </>
              ) : null}
            </div>
            <details>
              <summary className="small muted">the whole genome (JSON)</summary>
              <pre className="mono small pre">{JSON.stringify(r.genome, null, 2)}</pre>
            </details>
          </>
        )}
      </Loaded>
      <h4>Lineage</h4>
      <Loaded resource={lineage} what="The lineage">
        {(l) =>
          l.nodes.length ? (
            <ol className="lineage" data-testid="lineage">
              {l.nodes.map((n) => (
                <li key={n.recipe_id} data-recipe-id={n.recipe_id}>
                  <button type="button" className="linklike" onClick={() => onOpen(n.recipe_id)}>
                    <code>{n.recipe_id.slice(0, 10)}</code>
                  </button>{' '}
                  <span className="muted small">
                    g{n.generation} · island {n.island} · {(n.operators ?? []).join(' + ') || 'seed'}
                    {(n.parents ?? []).length ? ` · from ${(n.parents ?? []).map((p) => p.slice(0, 8)).join(', ')}` : ''}
                  </span>{' '}
                  <span className="small">{objectives.map((o) => `${o.name} ${objectiveText(o.name, n.objectives?.[o.name])}`).join(' · ')}</span>
                </li>
              ))}
            </ol>
          ) : (
            <Empty>No lineage recorded.</Empty>
          )
        }
      </Loaded>
      {recipe.data?.genome.kind === 'recipe' ? <CreateAgent recipeId={recipeId} /> : null}
    </div>
  )
}

// ---- the run history ------------------------------------------------------------------------

function History({ onOpen, current, version }: { onOpen: (id: string) => void; current: string | null; version: number }) {
  const [offset, setOffset] = useState(0)
  const [status, setStatus] = useState('')
  const runs = useResource(() => {
    const q = new URLSearchParams({ limit: String(HISTORY_PAGE + 1), offset: String(offset) })
    if (status) q.set('status', status)
    return api.get<RunSummary[]>(`evolution/runs?${q}`)
  }, [offset, status, version], 15000)
  return (
    <div data-testid="evolution-history">
      <select aria-label="status" value={status} onChange={(e) => (setOffset(0), setStatus(e.target.value))}>
        <option value="">any status</option>
        {RUN_STATUSES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <Loaded resource={runs} what="Run history">
        {(list) =>
          list.length === 0 ? (
            <Empty>No runs{status ? ' match' : ' yet'}.</Empty>
          ) : (
            <>
              <ul className="history">
                {list.slice(0, HISTORY_PAGE).map((r) => (
                  <li key={r.run_id}>
                    <button
                      type="button"
                      className={r.run_id === current ? 'history-item active' : 'history-item'}
                      onClick={() => onOpen(r.run_id)}
                      data-testid="run-item"
                      data-run-id={r.run_id}
                      data-status={r.status}
                    >
                      <span className="history-query">
                        {r.task} · {r.objectives.join(', ')}
                      </span>
                      <span className="muted small">
                        <StatusBadge status={r.status} /> g{r.generation}/{r.generations} · hv {num(r.hypervolume, 3)} · {num(r.evaluations)} evals · {ago(r.created_at)}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
              <div className="pager small muted">
                <Button size="sm" variant="ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - HISTORY_PAGE))}>
                  Newer
                </Button>
                <Button size="sm" variant="ghost" disabled={list.length <= HISTORY_PAGE} onClick={() => setOffset(offset + HISTORY_PAGE)}>
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

// ---- the page -----------------------------------------------------------------------------

export default function EvolutionPage() {
  const status = useResource(() => api.get<EvolutionStatusView>('evolution/status'), [], 10000)
  const [current, setCurrent] = useState<string | null>(null)
  const [view, setView] = useState<RunView | null>(null)
  const [viewError, setViewError] = useState<unknown>(null)
  const [recipes, setRecipes] = useState<RecipeView[]>([])
  const [results, setResults] = useState<EvolutionResults | null>(null)
  const [recipe, setRecipe] = useState<string | null>(null)
  const [historyVersion, setHistoryVersion] = useState(0)
  const currentRef = useRef<string | null>(null)
  const reloadStatus = status.reload

  const load = useCallback(async (id: string) => {
    try {
      const answer = await api.get<RunView>(`evolution/runs/${enc(id)}`)
      if (currentRef.current !== id) return
      setView((prev) => (prev && prev.run.run_id === id && prev.progress && answer.progress && prev.progress.generation > answer.progress.generation ? prev : answer))
      setViewError(null)
    } catch (exc) {
      if (currentRef.current === id) setViewError(exc)
    }
  }, [])

  const open = useCallback(
    (id: string) => {
      currentRef.current = id
      setCurrent(id)
      setView(null)
      setRecipes([])
      setResults(null)
      setRecipe(null)
      void load(id)
    },
    [load],
  )

  // the run's recipes (for the scatter) once per generation; the test split once it ended
  const generation = view?.run.generation ?? -1
  const runStatus = view?.run.status
  useEffect(() => {
    if (!current) return
    let alive = true
    api
      .get<RecipeList>(`evolution/recipes?run_id=${enc(current)}&limit=500`)
      .then((list) => alive && setRecipes(list.recipes))
      .catch(() => {}) // the front alone still draws
    return () => {
      alive = false
    }
  }, [current, generation])
  useEffect(() => {
    if (!current || !runStatus || runStatus === 'running') return
    let alive = true
    api
      .get<EvolutionResults>(`evolution/results?run_id=${enc(current)}`)
      .then((r) => alive && setResults(r))
      .catch((exc) => alive && setViewError(exc))
    return () => {
      alive = false
    }
  }, [current, runStatus])

  // polling while the run is running: the live events may be missed (socket down, started
  // before the subscription); the view is the API's
  useEffect(() => {
    if (!current || runStatus !== 'running') return
    const timer = setInterval(() => void load(current), POLL_MS)
    return () => clearInterval(timer)
  }, [current, runStatus, load])

  const onEvent = useCallback(
    (frame: WsFrame) => {
      const data = frame.data ?? {}
      const id = typeof data.run_id === 'string' ? data.run_id : null
      if (!id) return
      if (frame.type === 'evolution_started') {
        setHistoryVersion((v) => v + 1)
        void reloadStatus()
      } else if (frame.type === 'evolution_progress' && data.progress && currentRef.current === id) {
        setView((prev) => (prev && prev.run.run_id === id ? withProgress(prev, data.progress as RunProgress) : prev))
      } else if (frame.type === 'evolution_complete') {
        setHistoryVersion((v) => v + 1)
        void reloadStatus()
        if (currentRef.current === id) {
          setView((prev) => {
            if (!prev || prev.run.run_id !== id) return prev
            const next = data.progress ? withProgress(prev, data.progress as RunProgress) : prev
            return { ...next, run: { ...next.run, status: data.status, stop_reason: data.stop_reason ?? next.run.stop_reason, error: data.error ?? next.run.error } }
          })
          void load(id)
        }
      }
    },
    [reloadStatus, load],
  )
  useTopic('evolution.*', onEvent)

  const onStarted = (summary: RunSummary) => {
    setHistoryVersion((v) => v + 1)
    void reloadStatus()
    open(summary.run_id)
  }

  const stop = async () => {
    if (!current) return
    try {
      const summary = await api.post<RunSummary>('evolution/stop', { run_id: current }, 660000)
      toast.ok(`Stopped run ${summary.run_id}`)
      setView((prev) => (prev && prev.run.run_id === summary.run_id ? { ...prev, run: summary } : prev))
      setHistoryVersion((v) => v + 1)
      void load(summary.run_id)
    } catch (exc) {
      toast.bad(`Stop ${current}: ${errorText(exc)}`)
    }
  }

  if (status.error instanceof ApiError && status.error.unavailable && !status.data) {
    return (
      <div className="page" data-testid="page-evolution">
        <header className="page-head">
          <div>
            <h1>Evolution</h1>
          </div>
        </header>
        <Loaded resource={status} what="The evolution API">
          {() => null}
        </Loaded>
      </div>
    )
  }

  const s = status.data
  return (
    <div className="page" data-testid="page-evolution">
      <header className="page-head">
        <div>
          <h1>Evolution</h1>
          <p className="muted">Recipes evolved by island NSGA-II: each island a supervised actor, the Pareto front of quality, latency and tokens live.</p>
        </div>
      </header>

      {s ? (
        <div className="stats-row" data-testid="evolution-summary">
          <Stat label="running" value={s.running} />
          <Stat label="completed" value={num(s.totals?.completed ?? 0)} />
          <Stat label="stopped · failed" value={`${num(s.totals?.stopped ?? 0)} · ${num(s.totals?.failed ?? 0)}`} />
          <Stat label="tasks" value={(s.tasks ?? []).length} sub={(s.tasks ?? []).join(', ')} />
        </div>
      ) : null}

      <div className="grid-side grid-side-wide">
        <div className="side-stack">
          <Card title="Run">
            {viewError ? <ErrorNote error={viewError} onRetry={current ? () => void load(current) : undefined} /> : null}
            {view ? (
              <RunPanel view={view} recipes={recipes} results={results} selected={recipe} onOpenRecipe={setRecipe} onStop={stop} />
            ) : current ? (
              <div className="loading">Loading run {current}…</div>
            ) : (
              <Empty>Start a run with the form, or open one from the history.</Empty>
            )}
          </Card>
          {recipe && view ? (
            <Card
              title="Recipe"
              actions={
                <Button size="sm" variant="ghost" onClick={() => setRecipe(null)}>
                  Close
                </Button>
              }
            >
              <RecipePanel key={recipe} recipeId={recipe} objectives={view.config.objectives} onOpen={setRecipe} />
            </Card>
          ) : null}
        </div>
        <div className="side-stack">
          <Card title="Start a run">
            <Loaded resource={status} what="Evolution tasks">
              {(st) => <StartForm tasks={st.tasks ?? []} onStarted={onStarted} />}
            </Loaded>
          </Card>
          <Card title="History">
            <History onOpen={open} current={current} version={historyVersion} />
          </Card>
        </div>
      </div>
    </div>
  )
}
