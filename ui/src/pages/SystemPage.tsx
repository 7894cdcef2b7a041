import { useCallback, useEffect, useRef, useState } from 'react'
import { SupervisionTree } from '../components/SupervisionTree'
import { Badge, Card, Empty, ErrorNote, Loaded, Meter, Stat } from '../components/ui'
import { api, ApiError, errorText } from '../lib/api'
import { bytes, clock, ms, num, pct } from '../lib/format'
import { useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { ChildStatus, DatabaseHealth, HealthReport, NodeView, SupervisionEvent, SystemMetrics, UiConfig } from '../lib/types'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

function countNodes(node: ChildStatus): { total: number; running: number; restarts: number } {
  return (node.children ?? []).reduce(
    (acc, child) => {
      const sub = countNodes(child)
      return { total: acc.total + sub.total, running: acc.running + sub.running, restarts: acc.restarts + sub.restarts }
    },
    { total: 1, running: node.state === 'running' ? 1 : 0, restarts: node.restarts },
  )
}

export default function SystemPage() {
  const tree = useResource(() => api.get<ChildStatus>('system/tree'), [], 5000)
  const health = useResource(() => api.get<HealthReport>('health'), [], 5000)
  const metrics = useResource(() => api.get<SystemMetrics>('system/metrics'), [], 15000)
  const events = useResource(() => api.get<{ events: SupervisionEvent[] }>('system/events?limit=25'), [])
  const uiConfig = useResource(() => api.get<UiConfig>('ui/config'), [])
  const database = useResource(() => api.get<DatabaseHealth>('health/database'), [], 15000)
  const clusterNodes = useResource(() => api.get<NodeView[]>('health/nodes'), [], 5000)
  const [liveMetrics, setLiveMetrics] = useState<SystemMetrics | null>(null)
  const [liveEvents, setLiveEvents] = useState<SupervisionEvent[]>([])
  const [flashed, setFlashed] = useState<ReadonlySet<string>>(new Set())
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const reloadTree = tree.reload
  const reloadHealth = health.reload
  // A burst of supervision events (a one_for_all restart) causes one reload, not ten.
  const onSupervision = useCallback(
    (frame: WsFrame) => {
      if (frame.type === 'supervision_event') {
        const event = frame.data as SupervisionEvent
        setLiveEvents((list) => [...list.slice(-49), event])
        setFlashed(new Set([event.child, ...(event.siblings ?? [])]))
        setTimeout(() => setFlashed(new Set()), 2500)
      }
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
      reloadTimer.current = setTimeout(() => {
        void reloadTree()
        void reloadHealth()
      }, 250)
    },
    [reloadTree, reloadHealth],
  )
  useTopic('supervision', onSupervision)
  useTopic(
    'system_metrics',
    useCallback((frame: WsFrame) => {
      if (frame.type === 'system_metrics') setLiveMetrics(frame.data as SystemMetrics)
    }, []),
  )
  useEffect(() => () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current)
  }, [])

  const kill = useCallback(
    async (address: string) => {
      try {
        await api.post('system/kill', { address, how: 'kill' })
        toast.info(`Killed ${address}; waiting for its supervisor to restart it`)
      } catch (exc) {
        toast.bad(`Kill ${address}: ${errorText(exc)}`)
      }
      setTimeout(() => void reloadTree(), 600)
    },
    [reloadTree],
  )

  const shownMetrics = liveMetrics ?? metrics.data
  const allEvents = [...(events.data?.events ?? []).slice().sort((a, b) => a.at - b.at), ...liveEvents]
  const seen = new Set<string>()
  const recent = allEvents
    .filter((e) => {
      const key = `${e.child}|${e.action}|${e.at}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .slice(-25)
    .reverse()
  const counts = tree.data ? countNodes(tree.data) : null
  const dashboard = uiConfig.data?.dashboard_url

  return (
    <div className="page" data-testid="page-system">
      <header className="page-head">
        <div>
          <h1>System</h1>
          <p className="muted">Supervision tree, component health and resources. Updates live from the bus.</p>
        </div>
        <div className="page-actions">
          {health.data ? <Badge status={health.data.status}>platform {health.data.status}</Badge> : null}
          {dashboard ? (
            <a className="btn btn-default" href={dashboard} target="_blank" rel="noreferrer" data-testid="ray-dashboard">
              Ray dashboard ↗
            </a>
          ) : (
            <span className="muted small" title="ray.include_dashboard is off, or the gateway does not expose it">
              Ray dashboard: off
            </span>
          )}
        </div>
      </header>

      <div className="stats-row">
        <Stat label="actors" value={counts ? `${counts.running}/${counts.total}` : '–'} sub="running / in tree" />
        <Stat label="restarts" value={counts ? counts.restarts : '–'} sub="since start, all children" />
        <Stat
          label="CPU"
          value={shownMetrics ? pct(shownMetrics.host.cpu_percent) : '–'}
          sub={shownMetrics ? `${shownMetrics.host.cpu_count} cores · load ${shownMetrics.host.load_avg.map((l) => l.toFixed(2)).join(' ')}` : undefined}
        />
        <Stat
          label="memory"
          value={shownMetrics ? pct(shownMetrics.host.memory_percent) : '–'}
          sub={shownMetrics ? `${bytes(shownMetrics.host.memory_used)} of ${bytes(shownMetrics.host.memory_total)}` : undefined}
        />
      </div>

      <Card
        title="Supervision tree"
        actions={<span className="muted small">{tree.data ? `updated ${clock(Date.now() / 1000)}` : ''}</span>}
      >
        <Loaded resource={tree} what="The supervision tree">
          {(root) => <SupervisionTree node={root} onKill={kill} flashed={flashed} />}
        </Loaded>
      </Card>

      <div className="grid-2">
        <Card title="Component health">
          <Loaded resource={health} what="Health">
            {(report) => (
              <table className="table" data-testid="health">
                <thead>
                  <tr>
                    <th>component</th>
                    <th>status</th>
                    <th className="num">restarts</th>
                    <th>detail</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(report.components).map(([name, c]) => (
                    <tr key={name}>
                      <td>
                        <code>{name}</code>
                        {c.address && c.address !== name ? <div className="muted small">{c.address}</div> : null}
                      </td>
                      <td>
                        <Badge status={c.status}>{c.state}</Badge>
                      </td>
                      <td className="num">{c.restarts}</td>
                      <td className="muted small">{c.detail ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loaded>
          {database.data ? (
            <div className="db" data-testid="database">
              <div className="node-head">
                <strong>PostgreSQL</strong>
                <Badge status={database.data.status} />
              </div>
              <div className="kv">
                <span>mode</span>
                <span>{database.data.mode ?? '–'}</span>
                <span>server</span>
                <span>
                  {database.data.server_version ?? '–'}
                  {database.data.pgvector_version ? ` · pgvector ${database.data.pgvector_version}` : ''}
                </span>
                <span>latency</span>
                <span>{ms(database.data.latency_ms)}</span>
                <span>migrations</span>
                <span className="small">{database.data.migrations?.length ? database.data.migrations.join(', ') : '–'}</span>
                {database.data.detail ? (
                  <>
                    <span>detail</span>
                    <span>{database.data.detail}</span>
                  </>
                ) : null}
              </div>
            </div>
          ) : null}
        </Card>

        <Card title="Nodes" actions={liveMetrics ? <Badge tone="ok">live</Badge> : null}>
          {shownMetrics ? (
            <div className="nodes" data-testid="nodes">
              <div className="node">
                <div className="node-head">
                  <strong>host</strong>
                  <span className="muted small">where the monitor runs</span>
                </div>
                <label>CPU {pct(shownMetrics.host.cpu_percent)}</label>
                <Meter value={shownMetrics.host.cpu_percent} />
                <label>
                  memory {pct(shownMetrics.host.memory_percent)} · {bytes(shownMetrics.host.memory_used)} / {bytes(shownMetrics.host.memory_total)}
                </label>
                <Meter value={shownMetrics.host.memory_percent} />
              </div>
              {shownMetrics.nodes.map((n) => (
                <div className="node" key={n.node_id}>
                  <div className="node-head">
                    <strong>{n.ip}</strong>
                    <Badge status={n.alive ? 'ok' : 'down'}>{n.alive ? 'alive' : 'dead'}</Badge>
                  </div>
                  <div className="muted small mono">{n.node_id.slice(0, 16)}…</div>
                  <div className="kv">
                    <span>CPU</span>
                    <span>{num(n.resources.CPU)} cores</span>
                    <span>memory</span>
                    <span>{bytes(n.resources.memory)}</span>
                    <span>object store</span>
                    <span>{bytes(n.resources.object_store_memory)}</span>
                    {n.resources.GPU ? (
                      <>
                        <span>GPU</span>
                        <span>{num(n.resources.GPU)}</span>
                      </>
                    ) : null}
                  </div>
                </div>
              ))}
            </div>
          ) : (
            <Loaded resource={metrics} what="Metrics">
              {() => null}
            </Loaded>
          )}
        </Card>
      </div>

      <Card title="Cluster nodes">
        <Loaded resource={clusterNodes} what="Nodes">
          {(nodes) => (
            <table className="table" data-testid="cluster-nodes">
              <thead>
                <tr>
                  <th>node</th>
                  <th>state</th>
                  <th>resources</th>
                  <th>runs</th>
                </tr>
              </thead>
              <tbody>
                {nodes.map((n) => (
                  <tr key={n.node_id}>
                    <td>
                      <code>{n.address}</code>
                      {n.head ? <Badge tone="muted">head</Badge> : null}
                      <div className="muted small mono">{n.node_id.slice(0, 16)}…</div>
                    </td>
                    <td>
                      <Badge status={n.alive ? 'ok' : 'down'}>{n.alive ? 'alive' : 'dead'}</Badge>
                    </td>
                    <td className="small">
                      {Object.entries(n.resources)
                        .map(([k, v]) => `${k}=${num(v)}`)
                        .join(', ')}
                    </td>
                    <td className="muted small">{n.actors.length ? n.actors.join(', ') : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </Card>

      <Card title="Recent supervision events">
        {events.error instanceof ApiError && events.error.unavailable && liveEvents.length === 0 ? (
          <Empty>Recorded events are not available ({errorText(events.error)}); live events appear here.</Empty>
        ) : events.error && recent.length === 0 ? (
          <ErrorNote error={events.error} onRetry={events.reload} />
        ) : recent.length === 0 ? (
          <Empty>No restarts or escalations yet. Kill a child above to see one.</Empty>
        ) : (
          <table className="table" data-testid="events">
            <thead>
              <tr>
                <th>time</th>
                <th>child</th>
                <th>action</th>
                <th>reason</th>
                <th className="num">restarts</th>
                <th>detail</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((e) => (
                <tr key={`${e.child}|${e.action}|${e.at}`}>
                  <td className="muted">{clock(e.at)}</td>
                  <td>
                    <code>{e.child}</code>
                  </td>
                  <td>{e.action}</td>
                  <td>
                    <Badge tone={e.reason === 'normal' || e.reason === 'shutdown' ? 'muted' : 'warn'}>{e.reason}</Badge>
                  </td>
                  <td className="num">{e.restarts}</td>
                  <td className="muted small">
                    {e.detail}
                    {e.delay_s ? ` · backoff ${e.delay_s.toFixed(2)}s` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  )
}
