import { create } from 'zustand'
import { config } from './config'

// A small history router: the UI has a handful of flat pages, so a library is not needed.
// Paths are relative to the base path (e.g. "/pygent/system" -> "system").

export const PAGES = ['chat', 'agents', 'reasoning', 'evolution', 'workflows', 'knowledge', 'system', 'mcp', 'models', 'keys', 'users'] as const
export type Page = (typeof PAGES)[number]

// The URL of each page. The MCP page is not at /mcp: the gateway serves PyGent's own MCP
// endpoint (streamable HTTP) there, so a reload of /mcp would not get the UI.
export const SLUGS: Record<Page, string> = {
  chat: 'chat',
  agents: 'agents',
  reasoning: 'reasoning',
  evolution: 'evolution',
  workflows: 'workflows',
  knowledge: 'knowledge',
  system: 'system',
  mcp: 'mcp-servers',
  models: 'models',
  keys: 'api-keys',
  users: 'users',
}

export function pageOf(pathname: string, basePath: string): { page: Page; rest: string } {
  const inside = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname.replace(/^\//, '')
  const [first = '', ...rest] = inside.split('/')
  const page = PAGES.find((p) => SLUGS[p] === first) ?? 'chat'
  return { page, rest: rest.join('/') }
}

export function pathOf(page: Page, rest = ''): string {
  return config().basePath + SLUGS[page] + (rest ? '/' + rest : '')
}

interface RouteState {
  page: Page
  rest: string
  navigate: (page: Page, rest?: string) => void
}

export const useRoute = create<RouteState>((set) => ({
  ...pageOf(typeof window !== 'undefined' ? window.location.pathname : '/', config().basePath),
  navigate: (page, rest = '') => {
    const path = pathOf(page, rest)
    if (window.location.pathname !== path) window.history.pushState({}, '', path)
    set({ page, rest })
  },
}))

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    useRoute.setState(pageOf(window.location.pathname, config().basePath))
  })
}
