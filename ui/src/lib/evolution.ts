// What the Evolution page draws, shaped from the API's answers: the Pareto scatter of two
// objectives, the series over generations, the islands' best recipes, and a run's view kept
// current by the live `evolution_progress` events. Plain functions, tested without a browser.
import type { Genome, HistoryPoint, IslandProgress, Member, ObjectiveSpec, RunProgress, RunStatus, RunView, StartEvolutionBody } from './evolutionTypes'

export const PRESET_OBJECTIVES = ['quality', 'latency_p50', 'tokens'] as const
export const RUN_STATUSES: RunStatus[] = ['running', 'completed', 'stopped', 'failed']

/** A recipe with its objective values, from a front (Member) or the run's stored recipes. */
export interface Scored {
  key: string
  objectives?: Record<string, number>
}

export interface ScatterPoint {
  key: string
  x: number
  y: number
  front: boolean // in the run's global Pareto front (all its objectives)
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Is `a` better than `b` on this objective (strictly)? */
export function better(spec: Pick<ObjectiveSpec, 'direction'>, a: number, b: number): boolean {
  return spec.direction === 'max' ? a > b : a < b
}

/** The member best on one objective (ties: the first); null when none has a value for it. */
export function bestOn<T extends Scored>(members: T[], spec: ObjectiveSpec): T | null {
  let best: T | null = null
  for (const m of members) {
    const v = m.objectives?.[spec.name]
    if (!finite(v)) continue
    if (best === null || better(spec, v, best.objectives![spec.name])) best = m
  }
  return best
}

/** Every recipe of the run once (the front's copy wins: it is the newest), flagged when it is
 * in the global front, with both chosen objectives known. */
export function scatterPoints(recipes: Scored[], front: Scored[], xName: string, yName: string): ScatterPoint[] {
  const inFront = new Set(front.map((m) => m.key))
  const byKey = new Map<string, Scored>()
  for (const r of recipes) byKey.set(r.key, r)
  for (const m of front) byKey.set(m.key, m)
  const out: ScatterPoint[] = []
  for (const [key, r] of byKey) {
    const x = r.objectives?.[xName]
    const y = r.objectives?.[yName]
    if (finite(x) && finite(y)) out.push({ key, x, y, front: inFront.has(key) })
  }
  return out
}

/** The points no other point beats on both objectives (their directions respected), by x. */
export function front2d<T extends { x: number; y: number }>(points: T[], xSpec: Pick<ObjectiveSpec, 'direction'>, ySpec: Pick<ObjectiveSpec, 'direction'>): T[] {
  const dominates = (a: T, b: T) => {
    const noWorse = !better(xSpec, b.x, a.x) && !better(ySpec, b.y, a.y)
    return noWorse && (better(xSpec, a.x, b.x) || better(ySpec, a.y, b.y))
  }
  return points.filter((p) => !points.some((q) => q !== p && dominates(q, p))).sort((a, b) => a.x - b.x || a.y - b.y)
}

/** uPlot's aligned data for the scatter: one column per point, sorted by x; series 1 the
 * other recipes, series 2 the global front, series 3 the front of these two objectives
 * (drawn as a step line). `keys[i]` is the recipe of column i. */
export function scatterData(
  points: ScatterPoint[],
  xSpec: Pick<ObjectiveSpec, 'direction'>,
  ySpec: Pick<ObjectiveSpec, 'direction'>,
): { data: [number[], (number | null)[], (number | null)[], (number | null)[]]; keys: string[] } {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y)
  const onFront2d = new Set(front2d(sorted, xSpec, ySpec).map((p) => p.key))
  return {
    data: [
      sorted.map((p) => p.x),
      sorted.map((p) => (p.front ? null : p.y)),
      sorted.map((p) => (p.front ? p.y : null)),
      sorted.map((p) => (onFront2d.has(p.key) ? p.y : null)),
    ],
    keys: sorted.map((p) => p.key),
  }
}

export interface HistorySeries {
  generations: number[]
  hypervolume: number[]
  diversity: number[]
  evaluations: number[]
  best: Record<string, (number | null)[]>
}

/** The run's history as columns over generations (one point per generation, the last kept). */
export function historySeries(history: HistoryPoint[], objectives: string[]): HistorySeries {
  const byGeneration = new Map<number, HistoryPoint>()
  for (const h of history) byGeneration.set(h.generation, h)
  const rows = [...byGeneration.values()].sort((a, b) => a.generation - b.generation)
  return {
    generations: rows.map((h) => h.generation),
    hypervolume: rows.map((h) => h.hypervolume),
    diversity: rows.map((h) => h.diversity),
    evaluations: rows.map((h) => h.evaluations ?? 0),
    best: Object.fromEntries(objectives.map((o) => [o, rows.map((h) => (finite(h.best?.[o]) ? h.best![o] : null))])),
  }
}

/** The view with a live progress event applied: the summary's figures, the latest progress,
 * and the generation's history point (an older or repeated event changes no history); the
 * run's status is left as it is. */
export function withProgress(view: RunView, progress: RunProgress): RunView {
  if (view.progress && progress.generation < view.progress.generation) return view
  const point: HistoryPoint = {
    generation: progress.generation,
    hypervolume: progress.hypervolume,
    best: progress.best,
    diversity: progress.diversity,
    evaluations: progress.evaluations,
  }
  const history = [...(view.history ?? []).filter((h) => h.generation !== progress.generation), point].sort((a, b) => a.generation - b.generation)
  return {
    ...view,
    progress,
    history,
    // the status stays the run's: a last generation says `completed` while the run still
    // scores its front on the test split; evolution_complete and the API's view end it
    run: {
      ...view.run,
      stop_reason: progress.stop_reason ?? view.run.stop_reason,
      generation: progress.generation,
      hypervolume: progress.hypervolume,
      best: progress.best,
      evaluations: progress.evaluations,
    },
  }
}

/** Each island's best recipe on the first objective that ranks its front. */
export function islandBests(islands: IslandProgress[], objectives: ObjectiveSpec[]): { island: IslandProgress; best: Member | null }[] {
  return [...islands]
    .sort((a, b) => a.island - b.island)
    .map((island) => {
      let best: Member | null = null
      for (const spec of objectives) {
        best = bestOn(island.front ?? [], spec)
        if (best) break
      }
      return { island, best }
    })
}

/** One line that says what a genome is. */
export function genomeLabel(genome: Genome): string {
  if (genome.kind === 'real') {
    const shown = genome.x.slice(0, 3).map((v) => v.toFixed(3))
    return `x = [${shown.join(', ')}${genome.x.length > 3 ? `, … ${genome.x.length} values` : ''}]`
  }
  const r = genome.reasoning
  const parts = [genome.model, r?.mode ?? 'direct']
  if (r && r.mode !== 'direct' && r.mode !== 'rag_only') parts.push(`b${r.beam_width} d${r.max_depth}`)
  if (r?.mode && r.mode !== 'direct' && genome.retrieval) parts.push(`k${genome.retrieval.k} ${genome.retrieval.mode}`)
  parts.push(`T ${(genome.temperature ?? 0.7).toFixed(2)}`, `${genome.max_tokens ?? 256} tok`)
  if (genome.tools?.length) parts.push(`tools ${genome.tools.join(',')}`)
  return parts.join(' · ')
}

/** An objective's value in its own units. */
export function objectiveText(name: string, value: number | null | undefined): string {
  if (!finite(value)) return '–'
  if (name.startsWith('latency')) return `${value.toFixed(value < 10 ? 2 : 1)} s`
  if (name === 'tokens') return value.toFixed(0)
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3)
}

/** The start form as typed: numbers as strings ('' leaves the configured default). */
export interface StartFields {
  task: string
  objectives: string[]
  population_size: string
  islands: string
  generations: string
  metric_calls: string
  wall_time_s: string
  extra?: string // a JSON object of further StartEvolutionBody fields (space, text, cascade, seeds...)
}

export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

/** The body of POST /evolution/start; what the form left empty takes configs/evolution.yaml's
 * value. Obvious mistakes are named before the API is asked (it checks everything again). */
export function startBody(fields: StartFields): StartEvolutionBody {
  if (!fields.task.trim()) throw new FieldError('task', 'choose a task')
  if (fields.objectives.length === 0) throw new FieldError('objectives', 'choose one at least')
  const body: StartEvolutionBody = { task: fields.task.trim(), objectives: fields.objectives }
  const integer = (name: keyof StartFields, min: number): number | undefined => {
    const raw = String(fields[name]).trim()
    if (!raw) return undefined
    const v = Number(raw)
    if (!Number.isInteger(v) || v < min) throw new FieldError(name, `must be a whole number of ${min} or more`)
    return v
  }
  const population = integer('population_size', 2)
  const islands = integer('islands', 1)
  const generations = integer('generations', 1)
  const calls = integer('metric_calls', 1)
  if (population !== undefined) body.population_size = population
  if (islands !== undefined) body.islands = islands
  if (generations !== undefined) body.generations = generations
  const wall = fields.wall_time_s.trim()
  if (calls !== undefined || wall) {
    body.budget = {}
    if (calls !== undefined) body.budget.metric_calls = calls
    if (wall) {
      const v = Number(wall)
      if (!Number.isFinite(v) || v <= 0) throw new FieldError('wall_time_s', 'must be a number of seconds above 0')
      body.budget.wall_time_s = v
    }
  }
  const extra = (fields.extra ?? '').trim()
  if (extra) {
    let parsed: unknown
    try {
      parsed = JSON.parse(extra)
    } catch {
      throw new FieldError('extra', 'not valid JSON')
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FieldError('extra', 'must be a JSON object')
    return { ...body, ...(parsed as Partial<StartEvolutionBody>) }
  }
  return body
}
