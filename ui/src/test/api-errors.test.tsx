import { render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Loaded } from '../components/ui'
import { ApiError, api, errorText } from '../lib/api'
import { setConfig } from '../lib/config'

// The gateway answers 404 in two senses: a path it has no route for (serve_app/errors.py:
// `no such path: ...`), which pages show as "not served yet", and a resource that does not
// exist (an agent or conversation id), whose message says what is missing.
function answer(status: number, body: unknown) {
  vi.stubGlobal('fetch', async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  )
}

async function failure(path: string): Promise<ApiError> {
  const error = await api.get(path).then(
    () => null,
    (exc: unknown) => exc,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

beforeEach(() => setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' }))
afterEach(() => vi.unstubAllGlobals())

describe('ApiError 404', () => {
  it('is "not served" for a path the gateway has no route for', async () => {
    answer(404, { code: 'not_found', message: 'no such path: /api/v1/mcp/servers' })
    const error = await failure('mcp/servers')
    expect(error.noRoute).toBe(true)
    expect(error.unavailable).toBe(true)
  })

  it('is "not served" for a 404 that did not come from the gateway (no JSON error body)', async () => {
    answer(404, '<html>Not Found</html>')
    const error = await failure('mcp/servers')
    expect(error.code).toBe('http_404')
    expect(error.unavailable).toBe(true)
  })

  it('is a missing resource, with the server message, for an id that does not exist', async () => {
    answer(404, { code: 'not_found', message: "agent 'a-404' does not exist", field: 'agent_id' })
    const error = await failure('agents/a-404')
    expect(error.noRoute).toBe(false)
    expect(error.unavailable).toBe(false)
    expect(errorText(error)).toBe("agent 'a-404' does not exist (agent_id)")
  })

  it('is a missing resource whatever the code, when the message is not the no-route one', async () => {
    answer(404, { code: 'model_not_found', message: "no model 'nope' and no data recorded for it" })
    expect((await failure('models/nope')).unavailable).toBe(false)
  })

  it('keeps 503 as "not running right now"', async () => {
    answer(503, { code: 'unavailable', message: 'the store is restarting; retry' })
    expect((await failure('models')).unavailable).toBe(true)
  })
})

describe('Loaded with a 404', () => {
  const base = { data: null, loading: false, reload: () => {} }

  it('shows the server message for a missing resource, not "does not serve it yet"', () => {
    const error = new ApiError(404, 'not_found', "conversation 'c-1' does not exist", 'conversation_id')
    render(<Loaded resource={{ ...base, error }} what="The conversation">{() => <p>content</p>}</Loaded>)
    expect(screen.queryByTestId('not-available')).toBeNull()
    expect(screen.getByRole('alert').textContent).toContain("conversation 'c-1' does not exist (conversation_id)")
    expect(screen.queryByText('content')).toBeNull()
  })

  it('says the platform does not serve a route it has no route for', () => {
    const error = new ApiError(404, 'not_found', 'no such path: /api/v1/agents/types')
    render(<Loaded resource={{ ...base, error }} what="The agents API">{() => <p>content</p>}</Loaded>)
    expect(screen.getByTestId('not-available').textContent).toContain('does not serve it yet')
  })
})
