import { useCallback, useEffect, useState } from 'react'
import { Badge, Button, Card, ConfirmButton, Empty, ErrorNote, Loaded } from '../components/ui'
import { api, ApiError, errorText } from '../lib/api'
import { ago } from '../lib/format'
import { useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { Agent, AgentType } from '../lib/types'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

function CreateAgent({ types, onCreated }: { types: AgentType[]; onCreated: (agent: Agent) => void }) {
  const [type, setType] = useState(types[0]?.type ?? '')
  const [name, setName] = useState('')
  const [model, setModel] = useState('')
  const [tools, setTools] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const selected = types.find((t) => t.type === type)

  const submit = async () => {
    setBusy(true)
    setError(null)
    const body: Record<string, unknown> = { type }
    if (name.trim()) body.name = name.trim()
    if (model.trim()) body.model = model.trim()
    const toolList = tools
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)
    if (toolList.length) body.tools = toolList
    try {
      const agent = await api.post<Agent>('agents', body, 120000)
      toast.ok(`Created ${agent.name || agent.id}`)
      setName('')
      onCreated(agent)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="form"
      data-testid="create-agent"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>type</span>
        <select value={type} onChange={(e) => setType(e.target.value)} name="type">
          {types.map((t) => (
            <option key={t.type} value={t.type}>
              {t.type}
            </option>
          ))}
        </select>
      </label>
      {selected ? (
        <p className="muted small type-help">
          {selected.description}
          {selected.capabilities?.length ? <> · {selected.capabilities.join(', ')}</> : null}
        </p>
      ) : null}
      <label>
        <span>
          name <span className="muted">(optional)</span>
        </span>
        <input value={name} onChange={(e) => setName(e.target.value)} name="name" placeholder="e.g. research-1" />
      </label>
      <label>
        <span>
          model <span className="muted">(optional)</span>
        </span>
        <input value={model} onChange={(e) => setModel(e.target.value)} name="model" placeholder={selected?.model ?? 'type default'} />
      </label>
      <label>
        <span>
          tools <span className="muted">(optional, comma separated)</span>
        </span>
        <input value={tools} onChange={(e) => setTools(e.target.value)} name="tools" placeholder={selected?.tools?.join(', ') || 'time/get_current_time'} />
      </label>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={!type}>
        Create agent
      </Button>
    </form>
  )
}

export default function AgentsPage() {
  const types = useResource(() => api.get<{ types: AgentType[] }>('agents/types'), [])
  const agents = useResource(() => api.get<{ agents: Agent[] }>('agents'), [], 5000)
  const [selected, setSelected] = useState<string | null>(null)
  const status = useResource(
    () => (selected ? api.get<Record<string, unknown>>(`agents/${encodeURIComponent(selected)}/status`) : Promise.resolve(null)),
    [selected],
  )
  const reload = agents.reload
  const [liveStatus, setLiveStatus] = useState<Record<string, string>>({})
  useEffect(() => setLiveStatus({}), [agents.data]) // a fresh list is newer than the events before it
  useTopic('supervision', useCallback(() => void reload(), [reload]))
  // the agents topic: status changes in place (idle -> processing -> idle), the list on create/delete
  useTopic(
    'agents',
    useCallback(
      (frame: WsFrame) => {
        if (frame.type === 'agent_status' && frame.data?.id) {
          setLiveStatus((prev) => ({ ...prev, [frame.data.id]: frame.data.status }))
        } else if (frame.type === 'agent_created' || frame.type === 'agent_deleted') {
          void reload()
        }
      },
      [reload],
    ),
  )

  if (types.error instanceof ApiError && types.error.unavailable && !types.data) {
    return (
      <div className="page" data-testid="page-agents">
        <header className="page-head">
          <div>
            <h1>Agents</h1>
          </div>
        </header>
        <Loaded resource={types} what="The agents API">
          {() => null}
        </Loaded>
      </div>
    )
  }

  const remove = async (agent: Agent) => {
    try {
      await api.del(`agents/${encodeURIComponent(agent.id)}`)
      toast.ok(`Deleted ${agent.name || agent.id}`)
      if (selected === agent.id) setSelected(null)
    } catch (exc) {
      toast.bad(`Delete ${agent.name}: ${errorText(exc)}`)
    }
    await reload()
  }

  return (
    <div className="page" data-testid="page-agents">
      <header className="page-head">
        <div>
          <h1>Agents</h1>
          <p className="muted">Each agent is a supervised actor under supervisor/agents, addressed agent/&lt;id&gt; on the bus.</p>
        </div>
      </header>
      <div className="grid-side">
        <Card title="Running agents" actions={agents.data ? <span className="muted small">{agents.data.agents.length}</span> : null}>
          <Loaded resource={agents} what="The agent list">
            {({ agents: list }) =>
              list.length === 0 ? (
                <Empty>No agents yet. Create one with the form.</Empty>
              ) : (
                <table className="table" data-testid="agents">
                  <thead>
                    <tr>
                      <th>name</th>
                      <th>type</th>
                      <th>model</th>
                      <th>tools</th>
                      <th>status</th>
                      <th>created</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((agent) => (
                      <tr
                        key={agent.id}
                        data-agent-id={agent.id}
                        className={selected === agent.id ? 'selected clickable' : 'clickable'}
                        onClick={() => setSelected(selected === agent.id ? null : agent.id)}
                      >
                        <td>
                          <strong>{agent.name || agent.id}</strong>
                          <div className="muted small">
                            <code>{agent.address}</code>
                          </div>
                        </td>
                        <td>{agent.type}</td>
                        <td className="muted">{agent.model ?? '–'}</td>
                        <td className="small">{agent.tools?.length ? agent.tools.join(', ') : <span className="muted">none</span>}</td>
                        <td>
                          <Badge status={liveStatus[agent.id] ?? agent.status} />
                        </td>
                        <td className="muted small">{ago(agent.created_at)}</td>
                        <td onClick={(e) => e.stopPropagation()}>
                          <ConfirmButton size="sm" confirmLabel="Delete?" onConfirm={() => remove(agent)} data-testid={`delete-${agent.id}`}>
                            Delete
                          </ConfirmButton>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
          {selected ? (
            <div className="detail">
              <h3>
                Status of <code>{selected}</code>
              </h3>
              <Loaded resource={status} what="Agent status">
                {(data) => <pre className="json">{JSON.stringify(data, null, 2)}</pre>}
              </Loaded>
            </div>
          ) : null}
        </Card>
        <Card title="Create an agent">
          <Loaded resource={types} what="Agent types">
            {({ types: list }) =>
              list.length ? <CreateAgent types={list} onCreated={() => void reload()} /> : <Empty>The platform offers no agent types.</Empty>
            }
          </Loaded>
        </Card>
      </div>
    </div>
  )
}
