import { useState } from 'react'
import { Badge, Button, Card, ConfirmButton, Empty, ErrorNote, Loaded } from '../components/ui'
import { api, errorText } from '../lib/api'
import { useAuth, type Role } from '../lib/auth'
import { ago } from '../lib/format'
import { toast } from '../lib/toast'
import { useResource } from '../lib/useResource'

export interface UserView {
  id: string
  username: string
  role: Role
  disabled: boolean
  created_at: string
  last_login_at?: string | null
}

interface AuditEntry {
  id: number
  at: string
  actor: string | null
  action: string
  target?: string | null
  outcome: string
  ip?: string | null
}

const ROLES: Role[] = ['admin', 'user', 'viewer']

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState<Role>('user')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const submit = async () => {
    setBusy(true)
    setError(null)
    try {
      const user = await api.post<UserView>('users', { username: username.trim(), password, role })
      toast.ok(`Created ${user.username} (${user.role})`)
      setUsername('')
      setPassword('')
      onCreated()
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="form"
      data-testid="create-user"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>username</span>
        <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
      </label>
      <label>
        <span>password</span>
        <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
      </label>
      <label>
        <span>role</span>
        <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small">admin: everything, including MCP servers, models, kills and users · user: their own agents, chats, documents and runs · viewer: reads only.</p>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={!username.trim() || !password}>
        Create user
      </Button>
    </form>
  )
}

export default function UsersPage() {
  const me = useAuth((s) => s.me)
  const users = useResource(() => api.get<{ users: UserView[] }>('users'), [])
  const audit = useResource(() => api.get<{ entries: AuditEntry[] }>('audit?limit=50'), [], 10000)

  const update = async (user: UserView, change: Partial<Pick<UserView, 'role' | 'disabled'>>) => {
    try {
      await api.patch<UserView>(`users/${encodeURIComponent(user.id)}`, change)
      toast.ok(`Updated ${user.username}`)
    } catch (exc) {
      toast.bad(`${user.username}: ${errorText(exc)}`)
    }
    await users.reload()
  }
  const remove = async (user: UserView) => {
    try {
      await api.del(`users/${encodeURIComponent(user.id)}`)
      toast.ok(`Deleted ${user.username}`)
    } catch (exc) {
      toast.bad(`${user.username}: ${errorText(exc)}`)
    }
    await users.reload()
  }

  return (
    <div className="page" data-testid="page-users">
      <header className="page-head">
        <div>
          <h1>Users</h1>
          <p className="muted">Accounts, roles and the audit log (admins only). Passwords are stored as Argon2id hashes.</p>
        </div>
      </header>
      <div className="grid-side">
        <Card title="Accounts">
          <Loaded resource={users} what="The user list">
            {({ users: list }) =>
              list.length === 0 ? (
                <Empty>No users.</Empty>
              ) : (
                <table className="table" data-testid="users">
                  <thead>
                    <tr>
                      <th>username</th>
                      <th>role</th>
                      <th>status</th>
                      <th>last login</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((user) => (
                      <tr key={user.id} data-user={user.username}>
                        <td>
                          <strong>{user.username}</strong>
                          {user.id === me?.user_id ? <span className="muted small"> (you)</span> : null}
                        </td>
                        <td>
                          <select
                            aria-label={`role of ${user.username}`}
                            value={user.role}
                            disabled={user.id === me?.user_id}
                            onChange={(e) => void update(user, { role: e.target.value as Role })}
                          >
                            {ROLES.map((r) => (
                              <option key={r} value={r}>
                                {r}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td>
                          <Badge tone={user.disabled ? 'bad' : 'ok'}>{user.disabled ? 'disabled' : 'active'}</Badge>
                        </td>
                        <td className="muted small">{user.last_login_at ? ago(user.last_login_at) : 'never'}</td>
                        <td>
                          {user.id === me?.user_id ? null : (
                            <>
                              <Button size="sm" variant="ghost" onClick={() => void update(user, { disabled: !user.disabled })}>
                                {user.disabled ? 'Enable' : 'Disable'}
                              </Button>
                              <ConfirmButton size="sm" confirmLabel="Delete?" onConfirm={() => remove(user)}>
                                Delete
                              </ConfirmButton>
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
        </Card>
        <Card title="Add a user">
          <CreateUser onCreated={() => void users.reload()} />
        </Card>
      </div>
      <Card title="Audit log" actions={<span className="muted small">logins, keys, users, MCP installs, kills, deletions</span>}>
        <Loaded resource={audit} what="The audit log">
          {({ entries }) =>
            entries.length === 0 ? (
              <Empty>Nothing recorded yet.</Empty>
            ) : (
              <table className="table" data-testid="audit">
                <thead>
                  <tr>
                    <th>when</th>
                    <th>who</th>
                    <th>action</th>
                    <th>target</th>
                    <th>outcome</th>
                    <th>from</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr key={entry.id}>
                      <td className="muted small">{ago(entry.at)}</td>
                      <td>{entry.actor ?? '–'}</td>
                      <td>
                        <code>{entry.action}</code>
                      </td>
                      <td className="small">{entry.target ?? '–'}</td>
                      <td>
                        <Badge tone={entry.outcome === 'success' || entry.outcome === 'ok' ? 'ok' : 'warn'}>{entry.outcome}</Badge>
                      </td>
                      <td className="muted small">{entry.ip ?? '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Card>
    </div>
  )
}
