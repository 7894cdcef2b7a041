import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setConfig } from '../lib/config'
import type { ReasoningDefaults, ReasoningResultView, ReasoningTree, SessionSummary, ThoughtNode } from '../lib/reasoningTypes'
import { useToasts } from '../lib/toast'
import KnowledgePage from '../pages/KnowledgePage'
import ReasoningPage from '../pages/ReasoningPage'

// Live updates come over the shared socket; these tests are about what REST answers show.
// Without a socket, a reasoning session starts over POST /reasoning/start.
vi.mock('../lib/socket', () => ({ useTopic: () => {}, socket: () => null }))

type Answer = { status?: number; body: unknown }
let answers: Record<string, Answer>
let requests: { method: string; path: string; body: unknown }[]

beforeEach(() => {
  setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' })
  requests = []
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const u = new URL(url)
    const path = u.pathname.replace('/api/v1/', '')
    const method = init?.method ?? 'GET'
    requests.push({ method, path: path + u.search, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    const answer = answers[`${method} ${path}`] ?? answers[path]
    if (!answer) return new Response(JSON.stringify({ code: 'http_404', message: `no such path: /api/v1/${path}` }), { status: 404 })
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200 })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  useToasts.setState({ toasts: [] })
})

const index = (name: string, extra: Record<string, unknown> = {}) => ({
  name, type: 'hnsw', params: {}, shards: 2, backend: 'faiss', dimensions: 384, created_at: '2026-12-04T18:00:00+00:00', documents: 1, chunks: 3, ...extra,
})

describe('Knowledge page', () => {
  beforeEach(() => {
    answers = {
      'search/indexes': { body: { indexes: [index('default'), index('manuals', { shards: 3, documents: 2, chunks: 7 })] } },
      'search/stats': {
        body: {
          indexes: [
            { ...index('default'), shard_status: [{ state: 'ready', vectors: 2 }, { state: 'ready', vectors: 1 }], recall_at_10: 1 },
            { ...index('manuals', { shards: 3 }), shard_status: [{ state: 'ready', vectors: 7 }, { state: 'unavailable' }, { state: 'ready', vectors: 0 }], recall_at_10: null },
          ],
          documents: 3, chunks: 10, sizes: { chunks_bytes: 8192 }, latency_ms: { hybrid: { p50: 12.5, p95: 30, p99: 31, count: 4 } }, documents_added: 3,
        },
      },
      'DELETE search/indexes/default': { status: 409, body: { code: 'conflict', message: "name: 'default' is the default index and cannot be deleted", field: 'name' } },
      'POST search/hybrid': {
        body: {
          results: [{ text: 'Ray actors restart under supervisors.', score: 0.031, document_id: 'd0c5-1234', chunk_id: 17, metadata: { filename: 'notes.txt' }, shard: 1 }],
          partial: false, index: 'manuals', mode: 'hybrid', backend: 'faiss', shards: 3, shards_answered: 3, took_ms: 21.4,
        },
      },
    }
  })

  it('lists the indexes and their statistics as the API reports them', async () => {
    render(<KnowledgePage />)
    await waitFor(() => expect(screen.getByTestId('indexes')).toBeTruthy())
    const rows = screen.getByTestId('indexes').querySelectorAll('tbody tr')
    expect([...rows].map((r) => r.getAttribute('data-index'))).toEqual(['default', 'manuals'])
    expect(rows[1].textContent).toContain('3') // shards
    await waitFor(() => expect(screen.getByTestId('search-stats')).toBeTruthy())
    const stats = screen.getByTestId('search-stats')
    expect(stats.querySelector('tr[data-index="default"]')!.textContent).toContain('100.0%')
    expect(stats.querySelector('tr[data-index="manuals"]')!.textContent).toContain('unavailable')
    expect(stats.textContent).toContain('hybrid: p50 13 ms')
  })

  it("shows the API's refusal when the default index is deleted", async () => {
    render(<KnowledgePage />)
    const del = await screen.findByTestId('delete-index-default')
    fireEvent.click(del)
    fireEvent.click(del) // a second click confirms
    await waitFor(() => expect(useToasts.getState().toasts.map((t) => t.text).join()).toContain('is the default index and cannot be deleted'))
    expect(requests.some((r) => r.method === 'DELETE' && r.path === 'search/indexes/default')).toBe(true)
  })

  it('searches with the chosen mode, index, k and filters, and shows score and shard of each hit', async () => {
    render(<KnowledgePage />)
    const search = await screen.findByTestId('search')
    fireEvent.change(search.querySelector('input[name="query"]')!, { target: { value: 'restart' } })
    fireEvent.change(search.querySelector('select[name="index"]')!, { target: { value: 'manuals' } })
    fireEvent.change(search.querySelector('input[name="k"]')!, { target: { value: '3' } })
    fireEvent.change(search.querySelector('input[name="filters"]')!, { target: { value: '{"filename": "notes.txt"}' } })
    fireEvent.submit(search.querySelector('form')!)
    const hit = await screen.findByTestId('hit')
    expect(requests.find((r) => r.method === 'POST')).toEqual({
      method: 'POST',
      path: 'search/hybrid',
      body: { query: 'restart', index: 'manuals', k: 3, filters: { filename: 'notes.txt' } },
    })
    expect(hit.textContent).toContain('0.0310')
    expect(hit.textContent).toContain('shard 1')
    expect(hit.textContent).toContain('notes.txt')
    expect(screen.getByTestId('search-answer').textContent).toContain('3/3 shards')
  })

  it('refuses filters that are not a JSON object before asking the API', async () => {
    render(<KnowledgePage />)
    const search = await screen.findByTestId('search')
    fireEvent.change(search.querySelector('input[name="query"]')!, { target: { value: 'x' } })
    fireEvent.change(search.querySelector('input[name="filters"]')!, { target: { value: '[1]' } })
    fireEvent.submit(search.querySelector('form')!)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('filters: must be a JSON object'))
    expect(requests.some((r) => r.method === 'POST')).toBe(false)
  })
})

const tot = {
  generate: 'propose', evaluate: 'value', evaluator: 'model', select: 'greedy', search: 'bfs', beam_width: 5, max_depth: 4,
  n_generate_sample: 5, n_evaluate_sample: 3, value_map: { sure: 20, likely: 1, impossible: 0.001 }, prune_threshold: 0,
  max_steps: 100, max_proposals: 16, temperature: 0.7, max_tokens: 256, retrieval_k: 3, seed: null,
} as const
const defaults: ReasoningDefaults = {
  default_mode: 'adaptive',
  tot: { ...tot },
  rag: { k: 5, mode: 'hybrid', temperature: 0.2, max_tokens: 384 },
  s3: { k: 5, mode: 'hybrid', temperature: 0.2, max_tokens: 384, max_turns: 3, max_kept: 8 },
  modes: { tot_only: 'Tree of Thoughts search' },
}
const metrics = { model_calls: 9, prompt_tokens: 900, completion_tokens: 120, retrieval_calls: 0, nodes_generated: 3, nodes_evaluated: 3, nodes_pruned: 1, wall_time_s: 4.2 }
const summary = (extra: Partial<SessionSummary> = {}): SessionSummary => ({
  session_id: 's1', query: '4 6 8 9', mode: 'tot_only', resolved_mode: 'tot_only', task: 'game24', status: 'completed', model: 'smollm2',
  index: 'default', answer: '(9 - 6) * 8 = 24', confidence: 0.8, solved: false, metrics, nodes: 3, restarts: 0, created_at: '2026-12-04T18:00:00Z', ...extra,
})
const tnode = (id: string, parent: string | null, thought: string, value: number | null, status: ThoughtNode['status']): ThoughtNode => ({
  id, parent_id: parent, depth: parent ? 1 : 0, thought, state: `left ${id}`, value, status, terminal: false, expanded: false, passage_ids: [], note: status === 'pruned' ? 'below the beam' : null,
})
const nodes = [tnode('n0', null, '', null, 'selected'), tnode('n1', 'n0', '9 - 6 = 3 (left: 3 4 8)', 20, 'selected'), tnode('n2', 'n0', '4 + 6 = 10 (left: 8 9 10)', 0.001, 'pruned')]
const treeAnswer: ReasoningTree = { session_id: 's1', status: 'completed', nodes, best_path: ['n0', 'n1'], passages: {} }
const resultView: ReasoningResultView = {
  session: summary(),
  result: {
    mode: 'tot_only', status: 'completed', answer: '(9 - 6) * 8 = 24', confidence: 0.8, solved: false, best_path: ['n0', 'n1'], nodes,
    passages: [], cited: [], queries: [], metrics, stop_reason: 'depth limit',
  },
}

describe('Reasoning page', () => {
  beforeEach(() => {
    answers = {
      'reasoning/modes': { body: defaults },
      'reasoning/status': { body: { sessions: [], running: 0, totals: { completed: 1 }, default_mode: 'adaptive' } },
      'reasoning/history': { body: { sessions: [summary()], total: 1, limit: 12, offset: 0 } },
      'search/indexes': { body: { indexes: [index('default'), index('manuals')] } },
      'reasoning/results/s1': { body: resultView },
      'reasoning/sessions/s1/tree': { body: treeAnswer },
      'POST reasoning/start': { status: 202, body: summary({ session_id: 's2', status: 'running', answer: null, nodes: 0 }) },
      'reasoning/results/s2': { body: { session: summary({ session_id: 's2', status: 'running', answer: null }), result: null } },
      'reasoning/sessions/s2/tree': { body: { session_id: 's2', status: 'running', nodes: [], best_path: [], passages: {} } },
    }
  })

  it('opens a session from the history: its tree, the winning path, a node on click, the answer', async () => {
    render(<ReasoningPage />)
    fireEvent.click(await screen.findByTestId('history-item'))
    await waitFor(() => expect(screen.getAllByTestId('thought-node')).toHaveLength(3))
    const byId = (id: string) => screen.getAllByTestId('thought-node').find((n) => n.getAttribute('data-node-id') === id)!
    expect(byId('n1').getAttribute('data-best')).toBe('true')
    expect(byId('n2').getAttribute('data-best')).toBeNull()
    expect(byId('n2').getAttribute('data-status')).toBe('pruned')
    expect(byId('n2').querySelector('rect')!.getAttribute('fill')).toBe('#f1f2f4') // pruned: grey
    fireEvent.click(byId('n2'))
    expect(screen.getByTestId('node-thought').textContent).toBe('4 + 6 = 10 (left: 8 9 10)')
    expect(screen.getByTestId('node-detail').textContent).toContain('below the beam')
    expect(screen.getByTestId('reasoning-answer').textContent).toBe('(9 - 6) * 8 = 24')
    expect(screen.getByTestId('best-path').textContent).toContain('9 - 6 = 3')
    expect(screen.getByTestId('reasoning-result').textContent).toContain('depth limit')
  })

  it('forgets the selected node when another session opens', async () => {
    answers['reasoning/history'] = { body: { sessions: [summary(), summary({ session_id: 's3', query: '1 2 3 4' })], total: 2, limit: 12, offset: 0 } }
    answers['reasoning/results/s3'] = { body: { ...resultView, session: summary({ session_id: 's3', query: '1 2 3 4' }) } }
    answers['reasoning/sessions/s3/tree'] = { body: { ...treeAnswer, session_id: 's3' } } // the same node ids
    render(<ReasoningPage />)
    const items = await screen.findAllByTestId('history-item')
    fireEvent.click(items[0])
    await waitFor(() => expect(screen.getAllByTestId('thought-node')).toHaveLength(3))
    fireEvent.click(screen.getAllByTestId('thought-node')[0])
    expect(screen.getByTestId('node-detail')).toBeTruthy()
    fireEvent.click(items[1])
    await waitFor(() => expect(screen.getByTestId('reasoning-session').getAttribute('data-session-id')).toBe('s3'))
    await waitFor(() => expect(screen.getAllByTestId('thought-node')).toHaveLength(3))
    expect(screen.queryByTestId('node-detail')).toBeNull()
    expect(document.querySelector('.tnode-open')).toBeNull()
    expect(document.querySelector('[aria-selected="true"]')).toBeNull()
  })

  it('starts a session with the form: the ToT parameters over the configured defaults', async () => {
    render(<ReasoningPage />)
    const form = await screen.findByTestId('start-reasoning')
    fireEvent.change(form.querySelector('textarea[name="query"]')!, { target: { value: '4 6 8 9' } })
    fireEvent.change(form.querySelector('select[name="mode"]')!, { target: { value: 'tot_only' } })
    fireEvent.change(form.querySelector('select[name="task"]')!, { target: { value: 'game24' } })
    fireEvent.change(form.querySelector('input[name="beam_width"]')!, { target: { value: '2' } })
    fireEvent.change(form.querySelector('input[name="max_depth"]')!, { target: { value: '3' } })
    fireEvent.change(form.querySelector('select[name="evaluate"]')!, { target: { value: 'vote' } })
    fireEvent.change(form.querySelector('select[name="index"]')!, { target: { value: 'manuals' } })
    fireEvent.submit(form)
    await waitFor(() => expect(screen.getByTestId('reasoning-session').getAttribute('data-session-id')).toBe('s2'))
    const start = requests.find((r) => r.method === 'POST' && r.path === 'reasoning/start')!
    expect(start.body).toMatchObject({
      query: '4 6 8 9',
      mode: 'tot_only',
      task: 'game24',
      index: 'manuals',
      tot: { ...tot, beam_width: 2, max_depth: 3, evaluate: 'vote' },
    })
    expect(start.body).not.toHaveProperty('rag') // no retrieval k given: each mode keeps its configured one
    expect(screen.getByTestId('stop-reasoning')).toBeTruthy()
  })

  it('says the reasoning API is not there when the gateway has no such route', async () => {
    delete answers['reasoning/modes']
    render(<ReasoningPage />)
    await waitFor(() => expect(screen.getByTestId('not-available').textContent).toContain('The reasoning API is not available'))
  })
})
