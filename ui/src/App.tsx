import { lazy, Suspense, useEffect } from 'react'
import { ConnectionIndicator } from './components/ConnectionIndicator'
import { ErrorBoundary } from './components/ErrorBoundary'
import { Toasts } from './components/Toasts'
import { Spinner } from './components/ui'
import { bootstrap, isAdmin, logOut, useAuth } from './lib/auth'
import { socket } from './lib/socket'
import { pathOf, useRoute, type Page } from './lib/router'
import { config } from './lib/config'

// Pages load on demand: Chat pulls in the Markdown renderer, the others do not need it.
const ChatPage = lazy(() => import('./pages/ChatPage'))
const AgentsPage = lazy(() => import('./pages/AgentsPage'))
const SystemPage = lazy(() => import('./pages/SystemPage'))
const McpPage = lazy(() => import('./pages/McpPage'))
const ModelsPage = lazy(() => import('./pages/ModelsPage'))
const KnowledgePage = lazy(() => import('./pages/KnowledgePage'))
const ReasoningPage = lazy(() => import('./pages/ReasoningPage'))
const KeysPage = lazy(() => import('./pages/KeysPage'))
const UsersPage = lazy(() => import('./pages/UsersPage'))
const LoginPage = lazy(() => import('./pages/LoginPage'))
const EvolutionPage = lazy(() => import('./pages/EvolutionPage'))
const WorkflowsPage = lazy(() => import('./pages/WorkflowsPage'))

const NAV: { page: Page; label: string; icon: string; hint: string; admin?: boolean }[] = [
  { page: 'chat', label: 'Chat', icon: 'M4 5h16v10H8l-4 4z', hint: 'Talk to agents' },
  { page: 'agents', label: 'Agents', icon: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8a7 7 0 0 1 14 0', hint: 'Create and manage agents' },
  { page: 'reasoning', label: 'Reasoning', icon: 'M12 4v5M12 9l-6 5M12 9l6 5M6 14v5M18 14v5M10 4h4M4 19h4M16 19h4', hint: 'Tree-of-thought and RAG reasoning sessions' },
  { page: 'evolution', label: 'Evolution', icon: 'M5 19c4 0 4-14 8-14s3 8 6 8M4 19h16M7 15a1 1 0 1 0 0.01 0M12 9a1 1 0 1 0 0.01 0M17 11a1 1 0 1 0 0.01 0', hint: 'Evolve recipes: Pareto fronts over generations' },
  { page: 'workflows', label: 'Workflows', icon: 'M5 5h5v5H5zM14 14h5v5h-5zM10 7.5h4.5a2 2 0 0 1 2 2V14M5 14h5v5H5z', hint: 'Durable research analyses and their reports' },
  { page: 'knowledge', label: 'Knowledge', icon: 'M5 4h11l3 3v13H5zM8 9h8M8 13h8M8 17h5', hint: 'Search indexes, documents, search playground' },
  { page: 'system', label: 'System', icon: 'M4 4h6v6H4zM14 14h6v6h-6zM7 10v7h7M14 7h3v7', hint: 'Supervision tree, health, metrics' },
  { page: 'mcp', label: 'MCP', icon: 'M5 12h4m6 0h4M9 8h6v8H9zM12 4v4m0 8v4', hint: 'MCP servers and tools' },
  { page: 'models', label: 'Models', icon: 'M12 3l8 4.5v9L12 21l-8-4.5v-9zM12 12l8-4.5M12 12v9M12 12L4 7.5', hint: 'Models and their performance' },
  { page: 'keys', label: 'API keys', icon: 'M14 10a4 4 0 1 0-3.5 4L12 15.5h2v2h2v2h3v-3l-5.5-5.5A4 4 0 0 0 14 10z', hint: 'Keys for scripts, the CLI and MCP clients' },
  { page: 'users', label: 'Users', icon: 'M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm-6 8a6 6 0 0 1 12 0M17 11a2.5 2.5 0 1 0 0-5M21 19a5 5 0 0 0-4-4.9', hint: 'Accounts, roles, audit log', admin: true },
]

const PAGES: Record<Page, React.ComponentType> = {
  chat: ChatPage,
  agents: AgentsPage,
  system: SystemPage,
  mcp: McpPage,
  models: ModelsPage,
  knowledge: KnowledgePage,
  reasoning: ReasoningPage,
  keys: KeysPage,
  users: UsersPage,
  evolution: EvolutionPage,
  workflows: WorkflowsPage,
}

/** Who is using the UI decides what it shows: a login (or first-run) page until someone is. */
export function App() {
  const status = useAuth((s) => s.status)
  useEffect(() => {
    void bootstrap()
  }, [])
  if (status === 'checking') {
    return (
      <div className="loading">
        <Spinner /> Loading…
      </div>
    )
  }
  if (status !== 'in') {
    return (
      <Suspense fallback={<Spinner />}>
        <LoginPage />
      </Suspense>
    )
  }
  return <Shell />
}

function Shell() {
  const { page, navigate } = useRoute()
  const me = useAuth((s) => s.me)
  const nav = NAV.filter((item) => !item.admin || isAdmin(me))
  useEffect(() => {
    socket() // open the live connection once, logged in (the handshake carries the session cookie)
  }, [])
  useEffect(() => {
    document.title = `${NAV.find((n) => n.page === page)?.label ?? ''} · PyGent Factory`
  }, [page])
  const Current = PAGES[page]
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="logo">P</span>
          <div>
            <div className="brand-name">PyGent Factory</div>
            <div className="brand-sub">agents on Ray</div>
          </div>
        </div>
        <ul>
          {nav.map((item) => (
            <li key={item.page}>
              <a
                href={pathOf(item.page)}
                className={item.page === page ? 'active' : ''}
                aria-current={item.page === page ? 'page' : undefined}
                title={item.hint}
                data-testid={`nav-${item.page}`}
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
                  event.preventDefault()
                  navigate(item.page)
                }}
              >
                <svg viewBox="0 0 24 24" aria-hidden="true">
                  <path d={item.icon} />
                </svg>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <div className="whoami" data-testid="whoami">
            <span>
              <strong>{me?.username}</strong> <span className="muted small">{me?.role}</span>
            </span>
            <button type="button" className="btn btn-ghost btn-sm" data-testid="logout" onClick={() => void logOut()}>
              Log out
            </button>
          </div>
          <ConnectionIndicator />
          <a className="muted-link" href={new URL('docs', config().apiBase).toString()} target="_blank" rel="noreferrer">
            API docs
          </a>
        </div>
      </nav>
      <main className="content">
        <ErrorBoundary label={NAV.find((n) => n.page === page)?.label ?? page} resetKey={page}>
          <Suspense
            fallback={
              <div className="loading">
                <Spinner /> Loading…
              </div>
            }
          >
            <Current />
          </Suspense>
        </ErrorBoundary>
      </main>
      <Toasts />
    </div>
  )
}
