import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from '../App'
import { api, ApiError } from '../lib/api'
import { useAuth } from '../lib/auth'
import { setConfig } from '../lib/config'
import { keyState, type ApiKeyView } from '../pages/KeysPage'

// A scripted gateway: each handler answers one path; calls are recorded in order.
type Handler = (init?: RequestInit) => { status: number; body?: unknown; headers?: Record<string, string> }

function gateway(routes: Record<string, Handler | Handler[]>) {
  const calls: string[] = []
  vi.stubGlobal('fetch', async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input))
    const path = url.pathname.replace(/^\/api\/v1\//, '')
    const key = `${init?.method ?? 'GET'} ${path}`
    calls.push(key)
    let route = routes[key]
    if (Array.isArray(route)) route = route.length > 1 ? route.shift()! : route[0]
    if (!route) return new Response(JSON.stringify({ code: 'not_found', message: `no such path: ${path}` }), { status: 404 })
    const { status, body, headers } = route(init)
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
  })
  return calls
}

const ME = { user_id: 'u1', username: 'ada', role: 'admin', kind: 'user', scopes: [] }
const unauthenticated = () => ({ status: 401, body: { code: 'unauthenticated', message: 'log in' } })

beforeEach(() => {
  setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' })
  useAuth.setState({ status: 'checking', me: null, notice: null })
})
afterEach(() => vi.unstubAllGlobals())

describe('the session in api requests', () => {
  it('refreshes once on a 401 and sends the request again', async () => {
    useAuth.setState({ status: 'in', me: ME as never })
    const calls = gateway({
      'GET agents': [unauthenticated, () => ({ status: 200, body: { agents: [] } })],
      'POST auth/refresh': () => ({ status: 200, body: {} }),
    })
    expect(await api.get('agents')).toEqual({ agents: [] })
    expect(calls).toEqual(['GET agents', 'POST auth/refresh', 'GET agents'])
    expect(useAuth.getState().status).toBe('in')
  })

  it('ends the session when the refresh fails: the login page shows, the caller gets the 401', async () => {
    useAuth.setState({ status: 'in', me: ME as never })
    gateway({ 'GET agents': unauthenticated, 'POST auth/refresh': unauthenticated })
    const error = await api.get('agents').catch((exc: unknown) => exc)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
    expect(useAuth.getState().status).toBe('login')
    expect(useAuth.getState().notice).toMatch(/session has ended/)
  })

  it('shares one refresh among concurrent 401s', async () => {
    useAuth.setState({ status: 'in', me: ME as never })
    let refreshed = false
    const calls = gateway({
      'GET a': () => (refreshed ? { status: 200, body: 1 } : unauthenticated()),
      'GET b': () => (refreshed ? { status: 200, body: 2 } : unauthenticated()),
      'POST auth/refresh': () => {
        refreshed = true
        return { status: 200, body: {} }
      },
    })
    expect(await Promise.all([api.get('a'), api.get('b')])).toEqual([1, 2])
    expect(calls.filter((c) => c === 'POST auth/refresh')).toHaveLength(1)
  })
})

describe('the login gate', () => {
  it('shows the first-run page while no user exists, and the shell once the admin is created', async () => {
    let created = false
    gateway({
      'GET auth/me': () => (created ? { status: 200, body: ME } : unauthenticated()),
      'POST auth/refresh': unauthenticated,
      'GET auth/setup': () => ({ status: 200, body: { needs_setup: !created } }),
      'POST auth/setup': () => {
        created = true
        return { status: 201, body: {} }
      },
    })
    render(<App />)
    await screen.findByTestId('page-setup')
    fireEvent.change(screen.getByLabelText('username'), { target: { value: 'ada' } })
    fireEvent.change(screen.getByLabelText('password'), { target: { value: 'correct horse battery' } })
    fireEvent.change(screen.getByLabelText('password again'), { target: { value: 'correct horse battery' } })
    fireEvent.click(screen.getByRole('button', { name: /create admin/i }))
    await waitFor(() => expect(useAuth.getState().status).toBe('in'))
    expect((await screen.findByTestId('whoami')).textContent).toContain('ada')
    expect(screen.getByTestId('nav-users')).toBeTruthy() // an admin sees the Users page
  })

  it('shows the server message of a refused login and a 429 with its Retry-After', async () => {
    gateway({
      'GET auth/me': unauthenticated,
      'POST auth/refresh': unauthenticated,
      'GET auth/setup': () => ({ status: 200, body: { needs_setup: false } }),
      'POST auth/login': [
        () => ({ status: 401, body: { code: 'invalid_credentials', message: 'wrong username or password' } }),
        () => ({ status: 429, body: { code: 'rate_limited', message: 'too many attempts' }, headers: { 'Retry-After': '30' } }),
      ],
    })
    render(<App />)
    await screen.findByTestId('page-login')
    fireEvent.change(screen.getByLabelText('username'), { target: { value: 'ada' } })
    fireEvent.change(screen.getByLabelText('password'), { target: { value: 'nope' } })
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }))
    expect((await screen.findByRole('alert')).textContent).toContain('wrong username or password')
    fireEvent.change(screen.getByLabelText('password'), { target: { value: 'nope again' } })
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('try again in 30 s'))
    expect(useAuth.getState().status).toBe('login')
  })

  it('hides the admin pages from a viewer', async () => {
    gateway({ 'GET auth/me': () => ({ status: 200, body: { ...ME, username: 'vic', role: 'viewer' } }) })
    render(<App />)
    await screen.findByTestId('whoami')
    expect(screen.queryByTestId('nav-users')).toBeNull()
    expect(screen.getByTestId('nav-keys')).toBeTruthy()
  })
})

describe('API keys', () => {
  const key = (extra: Partial<ApiKeyView>): ApiKeyView => ({ id: 'k', name: 'k', user_id: 'u1', scopes: ['read'], created_at: '2026-01-01T00:00:00Z', ...extra })
  it('are active, expired or revoked', () => {
    const now = Date.parse('2026-06-01T00:00:00Z')
    expect(keyState(key({}), now)).toBe('active')
    expect(keyState(key({ expires_at: '2026-07-01T00:00:00Z' }), now)).toBe('active')
    expect(keyState(key({ expires_at: '2026-05-01T00:00:00Z' }), now)).toBe('expired')
    expect(keyState(key({ revoked_at: '2026-05-01T00:00:00Z' }), now)).toBe('revoked')
  })
})
