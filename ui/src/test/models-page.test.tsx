import { render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setConfig } from '../lib/config'
import ModelsPage from '../pages/ModelsPage'

// The page's live updates come over the shared socket; this test is about the REST list.
vi.mock('../lib/socket', () => ({ useTopic: () => {} }))

const perf = (model: string, extra: Record<string, unknown> = {}) => ({
  model, backend: 'embedded', task_kind: null, calls: 3, ok: 3, errors: 0, cancelled: 0, success_rate: 1,
  mean_latency_ms: 20, p50_latency_ms: 20, p95_latency_ms: 25, mean_tokens_per_s: null,
  mean_time_to_first_token_ms: null, prompt_tokens: 12, completion_tokens: 0, mean_rating: null, ratings: 0, last_used: null,
  ...extra,
})

// GET /api/v1/models as the gateway answers it once the embedder's model counts as serving
// (serve_app/models_api.py): the embedder's row says so itself; the UI shows what it says.
const answers: Record<string, unknown> = {
  models: {
    models: [
      { name: 'all-minilm-l6-v2', available: true, entry: null, performance: perf('all-minilm-l6-v2') },
      { name: 'retired-model', available: false, entry: null, performance: perf('retired-model') },
      { name: 'smollm2:135m', available: true, entry: null, performance: null },
    ],
  },
  'models/stats/summary': { models: 2, calls: 6, errors: 0, cancelled: 0, prompt_tokens: 24, completion_tokens: 0, success_rate: 1, by_backend: {}, busiest: [] },
  'ollama/status': { embedded: [], ollama: { configured: false, host: null } },
}

beforeEach(() => {
  setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' })
  vi.stubGlobal('fetch', async (url: string) => {
    const path = new URL(url).pathname.replace('/api/v1/', '')
    return path in answers ? new Response(JSON.stringify(answers[path]), { status: 200 }) : new Response('{}', { status: 500 })
  })
})
afterEach(() => vi.unstubAllGlobals())

describe('Models page', () => {
  it("shows each model's availability as the gateway reports it", async () => {
    render(<ModelsPage />)
    await waitFor(() => expect(screen.getByTestId('models')).toBeTruthy())
    const status = (name: string) =>
      screen.getByTestId('models').querySelector(`tr[data-model="${name}"] [data-status]`)?.getAttribute('data-status')
    expect(status('all-minilm-l6-v2')).toBe('available')
    expect(status('smollm2:135m')).toBe('available')
    expect(status('retired-model')).toBe('unavailable')
  })
})
