import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { padded } from '../components/Chart'
import { setConfig } from '../lib/config'
import { bestOn, FieldError, front2d, genomeLabel, historySeries, islandBests, scatterData, scatterPoints, startBody, withProgress } from '../lib/evolution'
import type { IslandProgress, Member, ObjectiveSpec, Recipe, RunProgress, RunView } from '../lib/evolutionTypes'
import { useToasts } from '../lib/toast'
import type { WsFrame } from '../lib/ws'
import EvolutionPage from '../pages/EvolutionPage'

// uPlot draws on a canvas, which happy-dom has not: the charts are replaced by a recorder of
// what the page gives them (options and data), the part this page shapes.
const charts = vi.hoisted(() => ({ made: [] as { opts: any; data: any; el: HTMLElement }[] }))
vi.mock('uplot', () => {
  class FakePlot {
    cursor = { idx: null as number | null }
    over = document.createElement('div')
    record: { opts: any; data: any; el: HTMLElement }
    constructor(opts: any, data: any, el: HTMLElement) {
      this.record = { opts, data, el }
      charts.made.push(this.record)
      el.appendChild(this.over)
    }
    setData(data: any) {
      this.record.data = data
    }
    setSize() {}
    destroy() {
      this.over.remove()
    }
    static paths = { stepped: () => () => null }
  }
  return { default: FakePlot }
})
vi.mock('uplot/dist/uPlot.min.css', () => ({}))

// live frames: the page's topic listener, called by the tests
const live = vi.hoisted(() => ({ listeners: new Map<string, (f: any) => void>() }))
vi.mock('../lib/socket', () => ({
  useTopic: (topic: string, listener: (f: any) => void) => live.listeners.set(topic, listener),
  socket: () => null,
}))

const quality: ObjectiveSpec = { name: 'quality', field: 'score', direction: 'max', aggregate: 'mean', reference: 0 }
const latency: ObjectiveSpec = { name: 'latency_p50', field: 'latency_s', direction: 'min', aggregate: 'p50', reference: 60 }
const tokens: ObjectiveSpec = { name: 'tokens', field: 'tokens', direction: 'min', aggregate: 'mean', reference: 4096 }

const recipe = (prompt: string, extra: Partial<Recipe> = {}): Recipe => ({
  kind: 'recipe',
  schema_version: 1,
  model: 'smollm2:135m',
  system_prompt: prompt,
  reasoning: { mode: 'direct', beam_width: 3, max_depth: 3, generate: 'propose', evaluate: 'value', samples: 3 },
  retrieval: { index: null, k: 5, mode: 'hybrid', rrf_k: 60 },
  temperature: 0.7,
  max_tokens: 256,
  tools: [],
  ...extra,
})
const key = (n: number) => n.toString(16).padStart(24, '0')
const member = (n: number, objectives: Record<string, number>, extra: Partial<Member> = {}): Member => ({
  key: key(n),
  genome: recipe(`prompt ${n}`),
  lineage: { parents: [], operators: ['sample'], generation: 0, island: 0 },
  objectives,
  rank: 0,
  crowding: null,
  ...extra,
})
const island = (i: number, front: Member[], generation: number): IslandProgress => ({
  island: i, generation, population: 4, hypervolume: 0.2 + i / 10, front, best: {}, diversity: 0.5, evaluations: 12, cache_hits: 3, culled: 1, refused: 0,
})
const progress = (generation: number, front: Member[], extra: Partial<RunProgress> = {}): RunProgress => ({
  generation, status: 'running', stop_reason: null, hypervolume: 0.1 * (generation + 1), front,
  best: { quality: 0.5, latency_p50: 1.2, tokens: 80 }, diversity: 0.4, evaluations: 10 * (generation + 1), elapsed_s: 12,
  islands: [island(0, front.slice(0, 1), generation), island(1, front.slice(1), generation)], ...extra,
})

describe('evolution data shaping', () => {
  it('picks the best member by the objective direction', () => {
    const a = member(1, { quality: 0.2, latency_p50: 3 })
    const b = member(2, { quality: 0.6, latency_p50: 5 })
    expect(bestOn([a, b], quality)).toBe(b)
    expect(bestOn([a, b], latency)).toBe(a)
    expect(bestOn([member(3, {})], quality)).toBeNull()
  })

  it('keeps the 2-D front of two objectives, directions respected', () => {
    const pts = [
      { key: 'a', x: 0.9, y: 5 }, // quality high, slow
      { key: 'b', x: 0.5, y: 1 }, // fast, worse
      { key: 'c', x: 0.4, y: 3 }, // dominated by b
      { key: 'd', x: 0.9, y: 6 }, // dominated by a
    ]
    expect(front2d(pts, quality, latency).map((p) => p.key)).toEqual(['b', 'a'])
    // both minimised: (0.4, 3) is not beaten by lower x on the same y
    expect(front2d(pts, { direction: 'min' }, { direction: 'min' }).map((p) => p.key)).toEqual(['c', 'b'])
  })

  it('draws every recipe once, flags the global front, and aligns columns by x', () => {
    const recipes = [
      { key: 'r1', objectives: { quality: 0.1, tokens: 90 } },
      { key: 'r2', objectives: { quality: 0.3, tokens: 50 } }, // in the front too
      { key: 'r3', objectives: { quality: 0.2 } }, // no tokens: not drawn
    ] as { key: string; objectives: Record<string, number> }[]
    const front = [{ key: 'r2', objectives: { quality: 0.35, tokens: 50 } }]
    const points = scatterPoints(recipes, front, 'quality', 'tokens')
    expect(points).toEqual([
      { key: 'r1', x: 0.1, y: 90, front: false },
      { key: 'r2', x: 0.35, y: 50, front: true },
    ])
    const { data, keys } = scatterData(points, quality, tokens)
    expect(keys).toEqual(['r1', 'r2'])
    expect(data).toEqual([
      [0.1, 0.35],
      [90, null],
      [null, 50],
      [null, 50], // r2 beats r1 on both
    ])
  })

  it('turns the history into columns per generation, the last point of a generation kept', () => {
    const s = historySeries(
      [
        { generation: 1, hypervolume: 0.3, best: { quality: 0.4 }, diversity: 0.5, evaluations: 20 },
        { generation: 0, hypervolume: 0.1, best: { quality: 0.2, tokens: 100 }, diversity: 0.9, evaluations: 10 },
        { generation: 1, hypervolume: 0.35, best: { quality: 0.45, tokens: 70 }, diversity: 0.4, evaluations: 24 },
      ],
      ['quality', 'tokens'],
    )
    expect(s.generations).toEqual([0, 1])
    expect(s.hypervolume).toEqual([0.1, 0.35])
    expect(s.diversity).toEqual([0.9, 0.4])
    expect(s.best).toEqual({ quality: [0.2, 0.45], tokens: [100, 70] })
  })

  it('applies a progress event to the view once, never going back a generation', () => {
    const view = runView(progress(0, [member(1, { quality: 0.2 })]))
    const next = withProgress(view, progress(1, [member(2, { quality: 0.5 })]))
    expect(next.run.generation).toBe(1)
    // the last generation says completed while the run still scores its test split: still running
    expect(withProgress(next, progress(2, [], { status: 'completed', stop_reason: 'generations' })).run).toMatchObject({ status: 'running', stop_reason: 'generations', generation: 2 })
    expect(next.history!.map((h) => h.generation)).toEqual([0, 1])
    expect(next.progress!.front[0].key).toBe(key(2))
    expect(withProgress(next, progress(1, []))).not.toBe(next) // the same generation again: replaced, not added
    expect(withProgress(next, progress(1, [])).history).toHaveLength(2)
    expect(withProgress(next, progress(0, []))).toBe(next) // an older one is ignored
  })

  it("finds each island's best recipe on the first objective", () => {
    const a = member(1, { quality: 0.2 })
    const b = member(2, { quality: 0.7 })
    const out = islandBests([island(1, [], 3), island(0, [a, b], 3)], [quality, latency])
    expect(out.map((o) => [o.island.island, o.best?.key ?? null])).toEqual([
      [0, key(2)],
      [1, null],
    ])
  })

  it('pads chart ranges, and gives one value a unit around it', () => {
    const u = null as never
    expect(padded(u, 0, 0, 'x')).toEqual([-1, 1])
    expect(padded(u, 50, 50, 'x')).toEqual([45, 55])
    const [lo, hi] = padded(u, 2, 4, 'x') as [number, number]
    expect(lo).toBeCloseTo(1.84)
    expect(hi).toBeCloseTo(4.16)
  })

  it('labels genomes and builds the start body, naming a bad field', () => {
    expect(genomeLabel(recipe('x'))).toBe('smollm2:135m · direct · T 0.70 · 256 tok')
    expect(genomeLabel(recipe('x', { reasoning: { mode: 'rag_only', beam_width: 2, max_depth: 2, generate: 'propose', evaluate: 'value', samples: 1 } }))).toContain('k5 hybrid')
    expect(genomeLabel({ kind: 'real', x: [0.1, 0.2, 0.3, 0.4] })).toBe('x = [0.100, 0.200, 0.300, … 4 values]')
    const fields = { task: 'game24', objectives: ['quality', 'tokens'], population_size: '4', islands: '2', generations: '', metric_calls: '40', wall_time_s: '' }
    expect(startBody(fields)).toEqual({ task: 'game24', objectives: ['quality', 'tokens'], population_size: 4, islands: 2, budget: { metric_calls: 40 } })
    expect(() => startBody({ ...fields, islands: '1.5' })).toThrow(FieldError)
    expect(() => startBody({ ...fields, population_size: '1' })).toThrow('population_size')
    expect(() => startBody({ ...fields, objectives: [] })).toThrow('objectives')
    expect(startBody({ ...fields, extra: '{"patience": 2, "space": {"modes": ["direct"]}}' })).toMatchObject({ patience: 2, space: { modes: ['direct'] }, islands: 2 })
    expect(() => startBody({ ...fields, extra: '[1]' })).toThrow('extra: must be a JSON object')
    expect(() => startBody({ ...fields, extra: '{' })).toThrow('extra: not valid JSON')
  })
})

function runView(p: RunProgress | null, status: RunView['run']['status'] = 'running'): RunView {
  return {
    run: {
      run_id: 'run-1', task: 'game24', status, stop_reason: null, objectives: ['quality', 'latency_p50', 'tokens'], islands: 2, population_size: 4,
      generations: 3, generation: p?.generation ?? 0, evaluations: p?.evaluations ?? 0, hypervolume: p?.hypervolume ?? 0, best: p?.best ?? {},
      restarts: 0, error: null, created_at: '2026-12-04T22:00:00+00:00', finished_at: null,
    },
    config: {
      task: 'game24', objectives: [quality, latency, tokens],
      space: { kind: 'recipe', models: ['smollm2:135m'] } as RunView['config']['space'],
      seeds: [], population_size: 4, offspring: null, islands: 2, generations: 3, migration_interval: 5, migration_rate: 0.1,
      budget: { metric_calls: 60, wall_time_s: null }, patience: null, cascade: { minibatch_size: 0, threshold: 0 }, parent_selection: 'tournament',
      text: { reflect_rate: 0.5, crossover_rate: 0.2, minibatch_size: 3, max_feedback_chars: 600, max_prompt_chars: 4000, temperature: 0.7, max_tokens: 512 }, seed: 0,
    },
    progress: p,
    stored_evaluations: p?.evaluations ?? 0,
    duplicates: 0,
    history: p ? [{ generation: p.generation, hypervolume: p.hypervolume, best: p.best, diversity: p.diversity, evaluations: p.evaluations }] : [],
  }
}

type Answer = { status?: number; body: unknown }
let answers: Record<string, Answer>
let requests: { method: string; path: string; body: unknown }[]

beforeEach(() => {
  charts.made = []
  live.listeners.clear()
  setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' })
  requests = []
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const u = new URL(url)
    const path = u.pathname.replace('/api/v1/', '')
    const method = init?.method ?? 'GET'
    requests.push({ method, path: path + u.search, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    const answer = answers[`${method} ${path}${u.search}`] ?? answers[`${method} ${path}`] ?? answers[path]
    if (!answer) return new Response(JSON.stringify({ code: 'http_404', message: `no such path: /api/v1/${path}` }), { status: 404 })
    return new Response(JSON.stringify(typeof answer.body === 'function' ? answer.body() : answer.body), { status: answer.status ?? 200 })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  useToasts.setState({ toasts: [] })
})

describe('Evolution page', () => {
  const front0 = [member(1, { quality: 0.5, latency_p50: 2, tokens: 90 }), member(2, { quality: 0.25, latency_p50: 0.5, tokens: 40 }, { lineage: { parents: [], operators: ['sample'], generation: 0, island: 1 } })]
  let current: RunView

  beforeEach(() => {
    current = runView(progress(0, front0))
    answers = {
      'evolution/status': { body: { runs: [current.run], running: 1, totals: { completed: 2, stopped: 1, failed: 0 }, tasks: ['game24', 'python_docs_qa'] } },
      'evolution/runs': { body: () => [current.run] },
      'evolution/runs/run-1': { body: () => current },
      'evolution/recipes': {
        body: {
          recipes: [
            ...front0.map((m) => ({ recipe_id: m.key, genome: m.genome, run_id: 'run-1', lineage: m.lineage, objectives: m.objectives, created_at: '2026-12-04T22:00:00+00:00' })),
            { recipe_id: key(3), genome: recipe('p3'), run_id: 'run-1', objectives: { quality: 0.1, latency_p50: 3, tokens: 120 }, created_at: '2026-12-04T22:00:00+00:00' },
          ],
          total: 3, limit: 500, offset: 0,
        },
      },
      [`evolution/recipes/${key(1)}`]: { body: { recipe_id: key(1), genome: recipe('Answer with one equation.'), run_id: 'run-1', objectives: front0[0].objectives, created_at: '2026-12-04T22:00:00+00:00' } },
      [`evolution/recipes/${key(1)}/lineage`]: {
        body: {
          recipe_id: key(1), run_id: 'run-1',
          nodes: [
            { recipe_id: key(1), parents: [key(7)], operators: ['numeric', 'reflect'], generation: 1, island: 0, objectives: { quality: 0.5 } },
            { recipe_id: key(7), parents: [], operators: ['sample'], generation: 0, island: 0, objectives: { quality: 0.3 } },
          ],
        },
      },
      'agents/types': { body: { types: [{ type: 'general', description: '', system_prompt: '' }, { type: 'reasoning', description: '', system_prompt: '' }] } },
      'POST agents': { status: 201, body: { id: 'a1', name: 'evolved', type: 'reasoning', model: 'smollm2:135m', status: 'idle', address: 'agent/a1', created_at: '' } },
      'POST evolution/start': { status: 202, body: () => current.run },
      'POST evolution/stop': { body: () => (current = { ...current, run: { ...current.run, status: 'stopped', stop_reason: 'user' } }).run },
      'evolution/results': { body: { run: current.run, front: front0, test: [{ key: key(1), objectives: { quality: 0.4, latency_p50: 2.1, tokens: 88 } }] } },
    }
  })

  async function startRun() {
    render(<EvolutionPage />)
    const form = await screen.findByTestId('start-evolution')
    fireEvent.change(form.querySelector('input[name="population_size"]')!, { target: { value: '4' } })
    fireEvent.change(form.querySelector('input[name="islands"]')!, { target: { value: '2' } })
    fireEvent.change(form.querySelector('input[name="metric_calls"]')!, { target: { value: '60' } })
    fireEvent.click(form.querySelector('input[name="objective-latency_p50"]')!) // off
    fireEvent.submit(form)
    return screen.findByTestId('evolution-run')
  }

  it('starts a run with the form and shows its progress, islands, front and charts', async () => {
    const panel = await startRun()
    expect(requests.find((r) => r.method === 'POST')).toEqual({
      method: 'POST', path: 'evolution/start',
      body: { task: 'game24', objectives: ['quality', 'tokens'], population_size: 4, islands: 2, budget: { metric_calls: 60 } },
    })
    expect(panel.dataset.status).toBe('running')
    await waitFor(() => expect(screen.getByTestId('islands').querySelectorAll('tbody tr')).toHaveLength(2))
    expect(screen.getAllByTestId('front-member').map((r) => r.dataset.key)).toEqual([key(1), key(2)]) // by quality, best first
    // the scatter: three recipes, two on the front, quality x latency by default
    await waitFor(() => expect(screen.getByTestId('pareto-chart').dataset.points).toBe('3'))
    expect(screen.getByTestId('pareto-chart').dataset.front).toBe('2')
    const scatter = charts.made.find((c) => c.el.dataset.testid === 'pareto-chart')!
    expect(scatter.data[0]).toEqual([0.1, 0.25, 0.5])
    expect(scatter.opts.axes[1].label).toBe('latency_p50 (lower is better)')
    // y: tokens instead
    fireEvent.change(screen.getByTestId('pareto').querySelector('select[name="pareto-y"]')!, { target: { value: 'tokens' } })
    await waitFor(() => expect(screen.getByTestId('pareto-chart').dataset.y).toBe('tokens'))
    expect(screen.getByTestId('hypervolume-chart').dataset.generations).toBe('1')
    expect(screen.getByTestId('best-chart-tokens')).toBeTruthy()
  })

  it('follows live progress events and the completion of the run', async () => {
    await startRun()
    const listener = live.listeners.get('evolution.*')!
    const next = progress(1, [member(4, { quality: 0.9, latency_p50: 1, tokens: 30 })])
    next.islands[1] = { ...next.islands[1], refused: 4 } // island 1 reached its share of the budget
    act(() => listener({ type: 'evolution_progress', topic: 'evolution.run-1', data: { run_id: 'run-1', progress: next } } as WsFrame))
    await waitFor(() => expect(screen.getByTestId('evolution-run').dataset.generation).toBe('1'))
    expect(screen.getByTestId('hypervolume-chart').dataset.generations).toBe('2')
    expect(screen.getAllByTestId('front-member').map((r) => r.dataset.key)).toEqual([key(4)])
    const rows = screen.getByTestId('islands').querySelectorAll('tbody tr')
    expect(rows[0].textContent).not.toContain('over budget')
    expect(rows[1].textContent).toContain('4 over budget')
    // another run's progress changes nothing here
    act(() => listener({ type: 'evolution_progress', data: { run_id: 'other', progress: progress(5, []) } } as WsFrame))
    expect(screen.getByTestId('evolution-run').dataset.generation).toBe('1')
    // the end: the API's view after it, with the held-out test split
    const ended = withProgress(current, { ...next, status: 'completed', stop_reason: 'generations' })
    current = { ...ended, run: { ...ended.run, status: 'completed', finished_at: '2026-12-04T22:05:00+00:00' } }
    act(() => listener({ type: 'evolution_complete', data: { run_id: 'run-1', status: 'completed', stop_reason: 'generations', progress: { ...next, status: 'completed' } } } as WsFrame))
    await waitFor(() => expect(screen.getByTestId('evolution-run').dataset.status).toBe('completed'))
    expect(screen.queryByTestId('stop-evolution')).toBeNull()
    await waitFor(() => expect(screen.getByTestId('test-split').textContent).toContain('0.400'))
    // the views polled and loaded since carry new objects, the same objectives: one chart, given new data
    expect(charts.made.filter((c) => c.el.dataset.testid === 'pareto-chart')).toHaveLength(1)
  })

  it('stops a running run', async () => {
    await startRun()
    fireEvent.click(screen.getByTestId('stop-evolution'))
    await waitFor(() => expect(screen.getByTestId('evolution-run').dataset.status).toBe('stopped'))
    expect(requests.find((r) => r.path === 'evolution/stop')?.body).toEqual({ run_id: 'run-1' })
  })

  it("opens a recipe from the front: its prompt, lineage, and an agent made from it", async () => {
    await startRun()
    const row = await waitFor(() => screen.getAllByTestId('front-member')[0])
    fireEvent.click(row)
    const detail = await screen.findByTestId('recipe-detail')
    await waitFor(() => expect(screen.getByTestId('recipe-prompt').textContent).toBe('Answer with one equation.'))
    const lineage = await screen.findByTestId('lineage')
    expect([...lineage.querySelectorAll('li')].map((li) => li.dataset.recipeId)).toEqual([key(1), key(7)])
    expect(lineage.textContent).toContain('numeric + reflect')
    const form = await waitFor(() => {
      const f = detail.querySelector('[data-testid="create-agent-from-recipe"]') as HTMLElement
      expect(f.querySelector('option')).toBeTruthy()
      return f
    })
    fireEvent.change(form.querySelector('input[name="name"]')!, { target: { value: 'evolved' } })
    fireEvent.submit(form)
    await waitFor(() => expect(requests.find((r) => r.method === 'POST' && r.path === 'agents')?.body).toEqual({ type: 'reasoning', name: 'evolved', recipe_id: key(1) }))
  })

  it("shows the API's refusal naming the field, and opens runs from the history", async () => {
    answers['POST evolution/start'] = { status: 422, body: { code: 'validation_error', message: 'islands: must be at most 64', field: 'islands' } }
    render(<EvolutionPage />)
    const form = await screen.findByTestId('start-evolution')
    fireEvent.submit(form)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('islands: must be at most 64 (islands)'))
    const item = await screen.findByTestId('run-item')
    expect(item.dataset.status).toBe('running')
    fireEvent.click(item)
    await waitFor(() => expect(screen.getByTestId('evolution-run').dataset.runId).toBe('run-1'))
  })

  it('says when the evolution API is not on this platform', async () => {
    answers = {}
    render(<EvolutionPage />)
    await waitFor(() => expect(screen.getByTestId('not-available').textContent).toContain('The evolution API is not available'))
  })
})
