import { useState } from 'react'
import { Badge, Button, Card, ConfirmButton, Empty, ErrorNote, Loaded } from '../components/ui'
import { api, errorText } from '../lib/api'
import { ago } from '../lib/format'
import { toast } from '../lib/toast'
import { useResource } from '../lib/useResource'

export interface ApiKeyView {
  id: string
  name: string
  user_id: string | null
  scopes: string[]
  created_at: string
  expires_at?: string | null
  revoked_at?: string | null
  last_used_at?: string | null
}

const SCOPES = ['read', 'write', 'admin'] as const

export function keyState(key: ApiKeyView, now = Date.now()): 'revoked' | 'expired' | 'active' {
  if (key.revoked_at) return 'revoked'
  if (key.expires_at && Date.parse(key.expires_at) <= now) return 'expired'
  return 'active'
}

function CreateKey({ onCreated }: { onCreated: (secret: string, key: ApiKeyView) => void }) {
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>(['read'])
  const [days, setDays] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const submit = async () => {
    setBusy(true)
    setError(null)
    const body: Record<string, unknown> = { name: name.trim(), scopes }
    const d = Number(days)
    if (days.trim() && d > 0) body.expires_at = new Date(Date.now() + d * 86400000).toISOString()
    try {
      const created = await api.post<ApiKeyView & { key: string }>('api-keys', body)
      setName('')
      onCreated(created.key, created)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="form"
      data-testid="create-key"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>name</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. my-script" />
      </label>
      <fieldset className="checks">
        <legend className="muted small">scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope} className="check">
            <input
              type="checkbox"
              name={`scope-${scope}`}
              checked={scopes.includes(scope)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
            />
            {scope}
          </label>
        ))}
      </fieldset>
      <label>
        <span>
          expires after <span className="muted">(days, optional)</span>
        </span>
        <input name="days" type="number" min="1" value={days} onChange={(e) => setDays(e.target.value)} />
      </label>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={!name.trim() || scopes.length === 0}>
        Create key
      </Button>
    </form>
  )
}

export default function KeysPage() {
  const keys = useResource(() => api.get<{ keys: ApiKeyView[] }>('api-keys'), [])
  const [secret, setSecret] = useState<{ value: string; name: string } | null>(null)

  const revoke = async (key: ApiKeyView) => {
    try {
      await api.del(`api-keys/${encodeURIComponent(key.id)}`)
      toast.ok(`Revoked ${key.name}`)
    } catch (exc) {
      toast.bad(`${key.name}: ${errorText(exc)}`)
    }
    await keys.reload()
  }

  return (
    <div className="page" data-testid="page-keys">
      <header className="page-head">
        <div>
          <h1>API keys</h1>
          <p className="muted">
            For scripts, the <code>pygent</code> CLI (<code>PYGENT_API_KEY</code>) and MCP clients of <code>/mcp</code>: sent as{' '}
            <code>Authorization: Bearer …</code>. A key is shown once and stored hashed.
          </p>
        </div>
      </header>
      {secret ? (
        <Card title={`New key "${secret.name}"`} className="secret-card">
          <p>Copy it now: it is not shown again.</p>
          <pre className="json" data-testid="new-key">
            {secret.value}
          </pre>
          <Button size="sm" onClick={() => void navigator.clipboard?.writeText(secret.value).then(() => toast.ok('Copied'))}>
            Copy
          </Button>{' '}
          <Button size="sm" variant="ghost" onClick={() => setSecret(null)}>
            Done
          </Button>
        </Card>
      ) : null}
      <div className="grid-side">
        <Card title="Your keys">
          <Loaded resource={keys} what="The key list">
            {({ keys: list }) =>
              list.length === 0 ? (
                <Empty>No keys yet.</Empty>
              ) : (
                <table className="table" data-testid="keys">
                  <thead>
                    <tr>
                      <th>name</th>
                      <th>scopes</th>
                      <th>state</th>
                      <th>created</th>
                      <th>last used</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((key) => {
                      const state = keyState(key)
                      return (
                        <tr key={key.id} data-key={key.name}>
                          <td>
                            <strong>{key.name}</strong>
                          </td>
                          <td>{key.scopes.join(', ')}</td>
                          <td>
                            <Badge tone={state === 'active' ? 'ok' : 'muted'}>{state}</Badge>
                            {key.expires_at && state === 'active' ? <div className="muted small">until {new Date(key.expires_at).toLocaleDateString()}</div> : null}
                          </td>
                          <td className="muted small">{ago(key.created_at)}</td>
                          <td className="muted small">{key.last_used_at ? ago(key.last_used_at) : 'never'}</td>
                          <td>
                            {state === 'active' ? (
                              <ConfirmButton size="sm" confirmLabel="Revoke?" onConfirm={() => revoke(key)}>
                                Revoke
                              </ConfirmButton>
                            ) : null}
                          </td>
                        </tr>
                      )
                    })}
                  </tbody>
                </table>
              )
            }
          </Loaded>
        </Card>
        <Card title="Create a key">
          <CreateKey
            onCreated={(value, key) => {
              setSecret({ value, name: key.name })
              void keys.reload()
            }}
          />
        </Card>
      </div>
    </div>
  )
}
