import { useState } from 'react'
import { Button, ErrorNote } from '../components/ui'
import { logIn, useAuth } from '../lib/auth'

/** The login page, and while no user exists the first-run page that creates the first admin. */
export default function LoginPage() {
  const { status, notice } = useAuth()
  const firstAdmin = status === 'setup'
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  const submit = async () => {
    if (firstAdmin && password !== repeat) {
      setError(new Error('the two passwords differ'))
      return
    }
    setBusy(true)
    setError(null)
    try {
      await logIn(username.trim(), password, firstAdmin)
    } catch (exc) {
      setError(exc)
      setPassword('')
      setRepeat('')
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="login-shell" data-testid={firstAdmin ? 'page-setup' : 'page-login'}>
      <form
        className="card login-card form"
        onSubmit={(event) => {
          event.preventDefault()
          void submit()
        }}
      >
        <div className="brand">
          <span className="logo">P</span>
          <div>
            <div className="brand-name">PyGent Factory</div>
            <div className="brand-sub">{firstAdmin ? 'first run: create the administrator' : 'log in'}</div>
          </div>
        </div>
        {firstAdmin ? (
          <p className="muted small">
            No user exists yet. The account you create here is the platform's first admin; this page stops working once
            it exists. (From a shell: <code>pygent users create-admin</code>.)
          </p>
        ) : null}
        {notice && !firstAdmin ? (
          <p className="muted small" data-testid="login-notice">
            {notice}
          </p>
        ) : null}
        <label>
          <span>username</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          <span>password</span>
          <input
            name="password"
            type="password"
            autoComplete={firstAdmin ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {firstAdmin ? (
          <label>
            <span>password again</span>
            <input name="repeat" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
          </label>
        ) : null}
        {error ? <ErrorNote error={error} /> : null}
        <Button type="submit" variant="primary" busy={busy} disabled={!username.trim() || !password}>
          {firstAdmin ? 'Create admin and log in' : 'Log in'}
        </Button>
      </form>
    </div>
  )
}
