import { useCallback, useState } from 'react'
import { Badge, Button, Card, Empty, ErrorNote, Loaded } from '../components/ui'
import { api, ApiError, errorText } from '../lib/api'
import { ms } from '../lib/format'
import { useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { CatalogueEntry, McpServer, McpTool } from '../lib/types'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

const enc = encodeURIComponent

function ToolRunner({ server, tool }: { server: string; tool: McpTool }) {
  const [args, setArgs] = useState('{}')
  const [result, setResult] = useState<unknown>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const run = async () => {
    setBusy(true)
    setError(null)
    setResult(null)
    try {
      const parsed = JSON.parse(args || '{}') as Record<string, unknown>
      setResult(await api.post(`mcp/servers/${enc(server)}/tools/${enc(tool.name)}/execute`, { arguments: parsed }, 120000))
    } catch (exc) {
      setError(exc instanceof SyntaxError ? new Error(`arguments: ${exc.message}`) : exc)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="runner">
      <textarea value={args} onChange={(e) => setArgs(e.target.value)} rows={3} spellCheck={false} aria-label="arguments (JSON)" />
      <Button size="sm" variant="primary" busy={busy} onClick={() => void run()}>
        Run
      </Button>
      {error ? <ErrorNote error={error} /> : null}
      {result ? <pre className="json">{JSON.stringify(result, null, 2)}</pre> : null}
    </div>
  )
}

function Tools({ server }: { server: string }) {
  const tools = useResource(() => api.get<{ tools: McpTool[] }>(`mcp/servers/${enc(server)}/tools`), [server])
  const [open, setOpen] = useState<string | null>(null)
  return (
    <Loaded resource={tools} what="Tools">
      {({ tools: list }) =>
        list.length === 0 ? (
          <Empty>This server offers no tools.</Empty>
        ) : (
          <ul className="tools" data-testid="tools">
            {list.map((tool) => (
              <li key={tool.name}>
                <button type="button" className="tool-name" onClick={() => setOpen(open === tool.name ? null : tool.name)}>
                  <code>
                    {server}/{tool.name}
                  </code>
                  <span className="muted small">{tool.description}</span>
                </button>
                {open === tool.name ? (
                  <>
                    {tool.inputSchema ? <pre className="json small">{JSON.stringify(tool.inputSchema, null, 2)}</pre> : null}
                    <ToolRunner server={server} tool={tool} />
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        )
      }
    </Loaded>
  )
}

function ServerRow({ server, onChanged }: { server: McpServer; onChanged: () => void }) {
  const [busy, setBusy] = useState<string | null>(null)
  const [expanded, setExpanded] = useState(false)
  const [health, setHealth] = useState<Record<string, unknown> | null>(null)
  const act = async (action: 'start' | 'stop' | 'restart') => {
    setBusy(action)
    try {
      await api.post(`mcp/servers/${enc(server.id)}/${action}`, {}, 120000)
      toast.ok(`${action} ${server.id}`)
    } catch (exc) {
      toast.bad(`${action} ${server.id}: ${errorText(exc)}`)
    } finally {
      setBusy(null)
      onChanged()
    }
  }
  const check = async () => {
    setBusy('health')
    try {
      setHealth(await api.get(`mcp/servers/${enc(server.id)}/health`))
    } catch (exc) {
      setHealth({ error: errorText(exc) })
    } finally {
      setBusy(null)
    }
  }
  const command = Array.isArray(server.command) ? server.command.join(' ') : server.command
  return (
    <div className="server" data-testid="mcp-server" data-server-id={server.id} data-status={server.status}>
      <div className="server-head">
        <button type="button" className="server-name" onClick={() => setExpanded(!expanded)} aria-expanded={expanded}>
          <span className="caret">{expanded ? '▾' : '▸'}</span>
          <strong>{server.id}</strong>
        </button>
        <Badge status={server.status} />
        <span className="muted small">{server.transport}</span>
        <span className="small">{server.tool_count} tools</span>
        <span className="small">restarts {server.restarts}</span>
        <span className="small muted">ping {ms(server.last_ping_ms)}</span>
        <div className="grow" />
        <Button size="sm" variant="ghost" busy={busy === 'health'} onClick={() => void check()}>
          Check
        </Button>
        {server.status === 'stopped' || server.status === 'failed' ? (
          <Button size="sm" busy={busy === 'start'} onClick={() => void act('start')}>
            Start
          </Button>
        ) : (
          <Button size="sm" busy={busy === 'stop'} onClick={() => void act('stop')}>
            Stop
          </Button>
        )}
        <Button size="sm" busy={busy === 'restart'} onClick={() => void act('restart')}>
          Restart
        </Button>
      </div>
      {command || server.url ? <div className="muted small mono server-cmd">{command ?? server.url}</div> : null}
      {server.error ? <div className="msg-error small">{server.error}</div> : null}
      {health ? <pre className="json small">{JSON.stringify(health, null, 2)}</pre> : null}
      {expanded ? <Tools server={server.id} /> : null}
    </div>
  )
}

export default function McpPage() {
  const servers = useResource(() => api.get<{ servers: McpServer[] }>('mcp/servers'), [], 10000)
  const catalogue = useResource(() => api.get<{ servers: CatalogueEntry[] }>('mcp/discovery'), [])
  const [live, setLive] = useState<Record<string, Partial<McpServer>>>({})
  const [installing, setInstalling] = useState<string | null>(null)
  const [filter, setFilter] = useState('')

  useTopic(
    'mcp',
    useCallback((frame: WsFrame) => {
      const data = frame.data ?? {}
      if (frame.type === 'mcp_server_status' && data.id) {
        setLive((prev) => ({ ...prev, [data.id]: { ...prev[data.id], status: data.status, restarts: data.restarts, tool_count: data.tool_count } }))
      } else if (frame.type === 'mcp_server_health' && data.id) {
        setLive((prev) => ({ ...prev, [data.id]: { ...prev[data.id], last_ping_ms: data.latency_ms } }))
      }
    }, []),
  )

  const install = async (name: string) => {
    setInstalling(name)
    try {
      await api.post('mcp/servers/install', { name }, 300000)
      toast.ok(`Installed ${name}`)
    } catch (exc) {
      toast.bad(`Install ${name}: ${errorText(exc)}`)
    } finally {
      setInstalling(null)
      void servers.reload()
      void catalogue.reload()
    }
  }

  const reload = () => {
    setLive({})
    void servers.reload()
  }

  return (
    <div className="page" data-testid="page-mcp">
      <header className="page-head">
        <div>
          <h1>MCP servers</h1>
          <p className="muted">Model Context Protocol servers, supervised under supervisor/mcp; their tools are what agents call.</p>
        </div>
      </header>
      <Card title="Servers" actions={<Button size="sm" variant="ghost" onClick={reload}>Refresh</Button>}>
        <Loaded resource={servers} what="The MCP API">
          {({ servers: list }) =>
            list.length === 0 ? (
              <Empty>No MCP servers are configured. Install one from the catalogue below.</Empty>
            ) : (
              <div className="servers">
                {list.map((s) => (
                  <ServerRow key={s.id} server={{ ...s, ...live[s.id] } as McpServer} onChanged={reload} />
                ))}
              </div>
            )
          }
        </Loaded>
      </Card>
      {servers.error instanceof ApiError && servers.error.unavailable && !servers.data ? null : (
      <Card
        title="Catalogue"
        actions={
          catalogue.data ? <input className="filter" placeholder="filter…" value={filter} onChange={(e) => setFilter(e.target.value)} /> : null
        }
      >
        {catalogue.error instanceof ApiError && catalogue.error.unavailable && servers.data ? (
          <Empty>The discovery catalogue is not available ({errorText(catalogue.error)}).</Empty>
        ) : (
          <Loaded resource={catalogue} what="The MCP catalogue">
            {({ servers: list }) => {
              const shown = list.filter((c) => `${c.name} ${c.title} ${c.description} ${c.category}`.toLowerCase().includes(filter.toLowerCase()))
              return shown.length === 0 ? (
                <Empty>Nothing in the catalogue{filter ? ' matches' : ''}.</Empty>
              ) : (
                <table className="table" data-testid="catalogue">
                  <thead>
                    <tr>
                      <th>server</th>
                      <th>category</th>
                      <th>source</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((c) => (
                      <tr key={c.name}>
                        <td>
                          <strong>{c.title || c.name}</strong> <code className="small">{c.name}</code>
                          <div className="muted small">{c.description}</div>
                        </td>
                        <td>{c.category}</td>
                        <td className="muted small">{c.source}</td>
                        <td className="num">
                          {c.installed ? (
                            <Badge tone="ok">installed</Badge>
                          ) : (
                            <Button size="sm" busy={installing === c.name} disabled={installing !== null} onClick={() => void install(c.name)}>
                              Install
                            </Button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }}
          </Loaded>
        )}
      </Card>
      )}
    </div>
  )
}
