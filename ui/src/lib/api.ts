import { refreshSession, sessionEnded } from './auth'
import { config } from './config'

// serve_app/errors.py: the message of the gateway's 404 for a path it has no route for
const NO_ROUTE_PREFIX = 'no such path:'

// The gateway's error body: {code, message, field?}. A 404 for a path the gateway has no
// route for, and any 503, mean "this part of the platform is not there (yet)": pages show
// that, never made-up data. Any other 404 is a missing resource (an agent or conversation id
// that does not exist): the server's message says what is missing, and pages show it.
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field?: string

  constructor(status: number, code: string, message: string, field?: string) {
    super(message)
    this.status = status
    this.code = code
    this.field = field
  }

  /** The gateway has no such route (its 404 says `no such path: ...`), or the answer came
   * from something else than the gateway (no JSON error body), rather than "no such id". */
  get noRoute(): boolean {
    return this.status === 404 && (this.code === 'http_404' || this.message.startsWith(NO_ROUTE_PREFIX))
  }

  /** The backend of this route has not landed or is not running. */
  get unavailable(): boolean {
    return this.noRoute || this.status === 503
  }
}

export function apiUrl(path: string): string {
  return new URL(`api/v1/${path.replace(/^\//, '')}`, config().apiBase).toString()
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = 'http_' + response.status
  let message = `HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`
  let field: string | undefined
  try {
    const body = (await response.json()) as { code?: string; message?: string; field?: string; detail?: unknown }
    code = body.code ?? code
    message = body.message ?? (typeof body.detail === 'string' ? body.detail : message)
    field = body.field ?? undefined
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, message, field)
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  body?: unknown
  signal?: AbortSignal
  timeoutMs?: number
}

// The login endpoints answer 401 for wrong credentials: that is no expired session.
const SESSION_PATHS = /^\/?auth\//

/** `send()` once; on a 401 refresh the session (the cookies) and send it once more; a second
 * 401 ends the session (the UI shows the login page). */
async function withSession(path: string, send: () => Promise<Response>): Promise<Response> {
  const response = await send()
  if (response.status !== 401 || SESSION_PATHS.test(path)) return response
  if (await refreshSession()) {
    const again = await send()
    if (again.status !== 401) return again
  }
  sessionEnded()
  return response
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30000)
  options.signal?.addEventListener('abort', () => controller.abort())
  let response: Response
  try {
    response = await withSession(path, () =>
      fetch(apiUrl(path), {
        method: options.method ?? 'GET',
        credentials: 'same-origin',
        headers: options.body !== undefined ? { 'Content-Type': 'application/json' } : undefined,
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        signal: controller.signal,
      }),
    )
  } catch (exc) {
    const reason = controller.signal.aborted ? 'the request timed out' : 'the platform is not reachable'
    throw new ApiError(0, 'network', `${reason} (${(exc as Error).message})`)
  } finally {
    clearTimeout(timer)
  }
  if (!response.ok) throw await errorOf(response)
  const text = await response.text()
  return (text ? JSON.parse(text) : null) as T
}

export async function requestText(path: string): Promise<{ text: string; type: string }> {
  const response = await withSession(path, () => fetch(apiUrl(path), { credentials: 'same-origin' }))
  if (!response.ok) throw await errorOf(response)
  return { text: await response.text(), type: response.headers.get('content-type') ?? 'text/plain' }
}

/** A POST whose request body's upload progress is reported (fetch cannot tell it):
 * `onSent(fraction)` while the body goes out, then `onSent(1)` once it is all sent. */
export function postWithProgress<T>(
  path: string,
  body: unknown,
  onSent: (fraction: number) => void,
  timeoutMs = 300000,
  retried = false,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', apiUrl(path))
    xhr.setRequestHeader('Content-Type', 'application/json')
    xhr.timeout = timeoutMs
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onSent(event.loaded / event.total)
    }
    xhr.upload.onload = () => onSent(1)
    xhr.onload = () => {
      if (xhr.status === 401 && !retried) {
        // as withSession: refresh once and send again, else the session is over
        void refreshSession().then((renewed) => {
          if (renewed) postWithProgress<T>(path, body, onSent, timeoutMs, true).then(resolve, reject)
          else {
            sessionEnded()
            reject(new ApiError(401, 'unauthenticated', 'your session has ended: log in again'))
          }
        })
        return
      }
      const text = xhr.responseText
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve((text ? JSON.parse(text) : null) as T)
        return
      }
      const statusText = xhr.statusText ? ' ' + xhr.statusText : ''
      void errorOf(new Response(text || null, { status: xhr.status, statusText: xhr.statusText })).then(
        reject,
        () => reject(new ApiError(xhr.status, 'http_' + xhr.status, `HTTP ${xhr.status}${statusText}`)),
      )
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the platform is not reachable'))
    xhr.ontimeout = () => reject(new ApiError(0, 'network', 'the request timed out'))
    xhr.send(JSON.stringify(body))
  })
}

export const api = {
  get: <T>(path: string) => request<T>(path),
  getWith: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, options),
  post: <T>(path: string, body: unknown = {}, timeoutMs?: number) =>
    request<T>(path, { method: 'POST', body, timeoutMs }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  del: <T>(path: string) => request<T>(path, { method: 'DELETE' }),
}

export function errorText(exc: unknown): string {
  if (exc instanceof ApiError) return exc.field ? `${exc.message} (${exc.field})` : exc.message
  return exc instanceof Error ? exc.message : String(exc)
}
