// Where the platform is. Three sources, first wins:
//   1. build-time env (VITE_API_BASE_URL / VITE_WS_URL), for a UI hosted apart from the API;
//   2. the runtime config the gateway injects into index.html (window.__PYGENT__), which
//      knows serve.base_path (e.g. "/pygent");
//   3. the document's base URL (the gateway also sets <base href>), so a UI served under
//      any sub-path calls the API under that same sub-path.

export interface RuntimeConfig {
  basePath: string // always ends with "/"
  apiBase: string // absolute URL ending with "/", API paths are appended ("api/v1/...")
  wsUrl: string
}

interface Injected {
  basePath?: string
  apiBase?: string
  wsUrl?: string
}

declare global {
  interface Window {
    __PYGENT__?: Injected
  }
}

export function withSlash(path: string): string {
  return path.endsWith('/') ? path : path + '/'
}

export function resolveConfig(
  env: { VITE_API_BASE_URL?: string; VITE_WS_URL?: string },
  injected: Injected | undefined,
  documentBase: string,
): RuntimeConfig {
  const base = new URL(documentBase)
  const basePath = withSlash(injected?.basePath || base.pathname.replace(/[^/]*$/, '') || '/')
  const apiBase = withSlash(
    env.VITE_API_BASE_URL || injected?.apiBase || new URL(basePath, base.origin).toString(),
  )
  const wsFromApi = new URL('ws', apiBase)
  wsFromApi.protocol = wsFromApi.protocol === 'https:' ? 'wss:' : 'ws:'
  const wsUrl = env.VITE_WS_URL || injected?.wsUrl || wsFromApi.toString()
  return { basePath, apiBase, wsUrl }
}

let current: RuntimeConfig | null = null

export function config(): RuntimeConfig {
  if (current === null) {
    current = resolveConfig(
      import.meta.env as { VITE_API_BASE_URL?: string; VITE_WS_URL?: string },
      typeof window !== 'undefined' ? window.__PYGENT__ : undefined,
      typeof document !== 'undefined' ? document.baseURI : 'http://localhost/',
    )
  }
  return current
}

export function setConfig(next: RuntimeConfig | null): void {
  current = next
}
