import { create } from 'zustand'
import { apiUrl } from './api'

// Who is using the UI. The gateway keeps the browser's session in two httpOnly cookies (a
// short access token, a rotating refresh token): this code never sees a token. It asks
// `auth/me` who it is, refreshes once when an answer says 401, and shows the login page
// (or the first-run setup page while no user exists) when that fails too.

export type Role = 'admin' | 'user' | 'viewer'

export interface Me {
  user_id: string
  username: string
  role: Role
  kind: string
  key_id?: string | null
  scopes?: string[]
}

export type AuthStatus = 'checking' | 'setup' | 'login' | 'in'

interface AuthState {
  status: AuthStatus
  me: Me | null
  // why the login page shows: a session that ran out, a logout
  notice: string | null
}

export const useAuth = create<AuthState>(() => ({ status: 'checking', me: null, notice: null }))

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(apiUrl(path), {
    method: 'POST',
    credentials: 'same-origin',
    headers: body !== undefined ? { 'Content-Type': 'application/json' } : undefined,
    body: body !== undefined ? JSON.stringify(body) : undefined,
  })
}

async function messageOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: string; field?: string }
    return body.message ?? `HTTP ${response.status}`
  } catch {
    return `HTTP ${response.status}`
  }
}

let refreshing: Promise<boolean> | null = null

/** One refresh at a time: every request that got a 401 waits for the same one. True when
 * the session was renewed. */
export function refreshSession(): Promise<boolean> {
  if (refreshing === null) {
    refreshing = post('auth/refresh')
      .then((response) => response.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

/** A request came back 401 even after a refresh: the session is over. */
export function sessionEnded(notice = 'Your session has ended: log in again.'): void {
  if (useAuth.getState().status === 'in') useAuth.setState({ status: 'login', me: null, notice })
}

async function fetchMe(): Promise<Me | null> {
  const response = await fetch(apiUrl('auth/me'), { credentials: 'same-origin' })
  return response.ok ? ((await response.json()) as Me) : null
}

/** At start: logged in already (a valid cookie, or one refresh away), else setup or login. */
export async function bootstrap(): Promise<void> {
  try {
    let me = await fetchMe()
    if (me === null && (await refreshSession())) me = await fetchMe()
    if (me !== null) {
      useAuth.setState({ status: 'in', me, notice: null })
      return
    }
    const setup = await fetch(apiUrl('auth/setup'), { credentials: 'same-origin' })
    const needsSetup = setup.ok && ((await setup.json()) as { needs_setup?: boolean }).needs_setup === true
    useAuth.setState({ status: needsSetup ? 'setup' : 'login', me: null })
  } catch {
    useAuth.setState({ status: 'login', me: null, notice: 'The platform is not reachable.' })
  }
}

/** Log in (or, on the first-run page, create the first admin); throws the server's message. */
export async function logIn(username: string, password: string, firstAdmin = false): Promise<void> {
  const response = await post(firstAdmin ? 'auth/setup' : 'auth/login', { username, password })
  if (!response.ok) {
    const retry = response.headers.get('Retry-After')
    const message = await messageOf(response)
    throw new Error(retry && response.status === 429 ? `${message} (try again in ${retry} s)` : message)
  }
  const me = await fetchMe()
  if (me === null) throw new Error('logged in, but the platform does not recognise the session')
  useAuth.setState({ status: 'in', me, notice: null })
}

export async function logOut(): Promise<void> {
  try {
    await post('auth/logout')
  } finally {
    useAuth.setState({ status: 'login', me: null, notice: 'You have logged out.' })
  }
}

export function isAdmin(me: Me | null): boolean {
  return me?.role === 'admin'
}
