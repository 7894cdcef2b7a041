import { useCallback, useState } from 'react'
import { Badge, Card, Empty, Loaded, Stat } from '../components/ui'
import { api } from '../lib/api'
import { ago, ms, num, pct } from '../lib/format'
import { useTopic } from '../lib/socket'
import type { BackendStatus, ModelPerformance, ModelRow, ModelsSummary } from '../lib/types'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

function Performance({ name }: { name: string }) {
  const [taskKind, setTaskKind] = useState('')
  const perf = useResource(
    () => api.get<ModelPerformance>(`models/${encodeURIComponent(name)}/performance${taskKind ? `?task_kind=${encodeURIComponent(taskKind)}` : ''}`),
    [name, taskKind],
  )
  return (
    <div className="detail" data-testid="model-performance">
      <div className="detail-head">
        <h3>
          <code>{name}</code> performance
        </h3>
        <input className="filter" placeholder="task kind (all)" value={taskKind} onChange={(e) => setTaskKind(e.target.value.trim())} />
      </div>
      <Loaded resource={perf} what="Performance">
        {(p) => (
          <div className="kv kv-wide">
            <span>calls</span>
            <span>
              {num(p.calls)} ({num(p.ok)} ok, {num(p.errors)} errors, {num(p.cancelled)} cancelled)
            </span>
            <span>success rate</span>
            <span>{p.success_rate === null || p.success_rate === undefined ? '–' : pct(p.success_rate * 100, 1)}</span>
            <span>latency</span>
            <span>
              mean {ms(p.mean_latency_ms)} · p50 {ms(p.p50_latency_ms)} · p95 {ms(p.p95_latency_ms)}
            </span>
            <span>first token</span>
            <span>{ms(p.mean_time_to_first_token_ms)}</span>
            <span>speed</span>
            <span>{p.mean_tokens_per_s === null ? '–' : `${num(p.mean_tokens_per_s, 1)} tokens/s`}</span>
            <span>tokens</span>
            <span>
              {num(p.prompt_tokens)} prompt · {num(p.completion_tokens)} completion
            </span>
            <span>rating</span>
            <span>{p.mean_rating === null ? 'not rated' : `${num(p.mean_rating, 2)} / 5 (${p.ratings})`}</span>
            <span>last used</span>
            <span>{ago(p.last_used)}</span>
          </div>
        )}
      </Loaded>
    </div>
  )
}

export default function ModelsPage() {
  const models = useResource(() => api.get<{ models: ModelRow[] }>('models'), [], 15000)
  const summary = useResource(() => api.get<ModelsSummary>('models/stats/summary'), [], 15000)
  const backends = useResource(() => api.get<BackendStatus>('ollama/status'), [], 10000)
  const [selected, setSelected] = useState<string | null>(null)
  const reloadBackends = backends.reload
  useTopic(
    'models',
    useCallback(
      (frame: WsFrame) => {
        if (frame.type === 'model_status' || frame.type === 'ollama_status') void reloadBackends()
      },
      [reloadBackends],
    ),
  )

  return (
    <div className="page" data-testid="page-models">
      <header className="page-head">
        <div>
          <h1>Models</h1>
          <p className="muted">Embedded llama.cpp workers and Ollama, with what every recorded call measured.</p>
        </div>
      </header>

      <Loaded resource={summary} what="Model statistics">
        {(s) => (
          <div className="stats-row" data-testid="models-summary">
            <Stat label="models" value={s.models} sub="with recorded calls" />
            <Stat label="calls" value={num(s.calls)} sub={`${num(s.errors)} errors · ${num(s.cancelled)} cancelled`} />
            <Stat label="success rate" value={s.success_rate === null ? '–' : pct(s.success_rate * 100, 1)} />
            <Stat label="tokens" value={num(s.completion_tokens)} sub={`completion · ${num(s.prompt_tokens)} prompt`} />
          </div>
        )}
      </Loaded>

      <div className="grid-side">
        <Card title="Models" actions={<span className="muted small">click a row for its performance</span>}>
          <Loaded resource={models} what="The model list">
            {({ models: list }) =>
              list.length === 0 ? (
                <Empty>No models are configured and none has recorded calls.</Empty>
              ) : (
                <table className="table" data-testid="models">
                  <thead>
                    <tr>
                      <th>model</th>
                      <th>status</th>
                      <th className="num">calls</th>
                      <th className="num">success</th>
                      <th className="num">p50</th>
                      <th className="num">tokens/s</th>
                      <th>last used</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((m) => (
                      <tr
                        key={m.name}
                        data-model={m.name}
                        className={selected === m.name ? 'selected clickable' : 'clickable'}
                        onClick={() => setSelected(selected === m.name ? null : m.name)}
                      >
                        <td>
                          <strong>{m.name}</strong>
                          <div className="muted small">
                            {m.performance?.backend ?? m.entry?.backend ?? ''}
                            {m.entry?.task_kinds?.length ? ` · ${m.entry.task_kinds.join(', ')}` : ''}
                          </div>
                        </td>
                        <td>
                          <Badge status={m.available ? 'available' : 'unavailable'} />
                        </td>
                        <td className="num">{num(m.performance?.calls ?? 0)}</td>
                        <td className="num">
                          {m.performance?.success_rate === null || m.performance?.success_rate === undefined ? '–' : pct(m.performance.success_rate * 100)}
                        </td>
                        <td className="num">{ms(m.performance?.p50_latency_ms)}</td>
                        <td className="num">{m.performance?.mean_tokens_per_s ? num(m.performance.mean_tokens_per_s, 1) : '–'}</td>
                        <td className="muted small">{ago(m.performance?.last_used)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
          {selected ? <Performance name={selected} /> : null}
        </Card>

        <Card title="Backends">
          <Loaded resource={backends} what="Backend status">
            {(b) => (
              <div className="backends" data-testid="backends">
                {b.embedded.map((e) => (
                  <div className="backend" key={e.model}>
                    <div className="node-head">
                      <strong>{e.model}</strong>
                      <Badge status={e.state} />
                    </div>
                    <div className="muted small">
                      embedded llama.cpp · {e.workers?.length ?? 0} worker{e.workers?.length === 1 ? '' : 's'}
                      {e.workers ? `, ${e.workers.filter((w) => w.loaded).length} loaded` : ''}
                    </div>
                  </div>
                ))}
                <div className="backend">
                  <div className="node-head">
                    <strong>Ollama</strong>
                    {b.ollama.configured ? (
                      <Badge status={b.ollama.reachable ? 'reachable' : 'unreachable'} />
                    ) : (
                      <Badge tone="muted">not configured</Badge>
                    )}
                  </div>
                  <div className="muted small">
                    {b.ollama.host ?? 'set PYGENT_OLLAMA_HOST to use one'}
                    {b.ollama.version ? ` · version ${b.ollama.version}` : ''}
                    {b.ollama.error ? ` · ${b.ollama.error}` : ''}
                  </div>
                  {Array.isArray(b.ollama.models) && b.ollama.models.length ? (
                    <div className="small">{b.ollama.models.map((m) => (typeof m === 'string' ? m : (m as { name?: string }).name)).join(', ')}</div>
                  ) : null}
                </div>
              </div>
            )}
          </Loaded>
        </Card>
      </div>
    </div>
  )
}
