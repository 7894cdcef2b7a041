import { useEffect, useState, type ButtonHTMLAttributes, type ReactNode } from 'react'
import { ApiError, errorText } from '../lib/api'

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted'

const TONES: Record<string, Tone> = {
  ok: 'ok', running: 'ok', ready: 'ok', connected: 'ok', open: 'ok', idle: 'ok', reachable: 'ok', available: 'ok', true: 'ok',
  starting: 'info', restarting: 'warn', connecting: 'info', reconnecting: 'warn', loading: 'info', busy: 'info', degraded: 'warn', stopping: 'warn',
  down: 'bad', failed: 'bad', error: 'bad', unreachable: 'bad', crashed: 'bad', false: 'bad',
  stopped: 'muted', unavailable: 'muted', closed: 'muted',
}

export function toneOf(status: string | boolean | null | undefined): Tone {
  return TONES[String(status).toLowerCase()] ?? 'muted'
}

export function Badge({ status, children, tone }: { status?: string | boolean | null; children?: ReactNode; tone?: Tone }) {
  const t = tone ?? toneOf(status)
  return (
    <span className={`badge badge-${t}`} data-status={String(status ?? '')}>
      <span className="dot" />
      {children ?? String(status ?? 'unknown')}
    </span>
  )
}

export function Button({
  variant = 'default',
  size,
  busy,
  children,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'default' | 'primary' | 'danger' | 'ghost'; size?: 'sm'; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={rest.disabled || busy}
      className={`btn btn-${variant}${size ? ' btn-' + size : ''} ${rest.className ?? ''}`}
    >
      {busy ? <Spinner small /> : null}
      {children}
    </button>
  )
}

/** A destructive action needs a second click within a few seconds. */
export function ConfirmButton({
  onConfirm,
  children,
  confirmLabel = 'Confirm',
  ...rest
}: Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick'> & { onConfirm: () => void | Promise<void>; confirmLabel?: string; size?: 'sm' }) {
  const [armed, setArmed] = useState(false)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (!armed) return
    const timer = setTimeout(() => setArmed(false), 4000)
    return () => clearTimeout(timer)
  }, [armed])
  return (
    <Button
      {...rest}
      variant={armed ? 'danger' : 'ghost'}
      busy={busy}
      onClick={async () => {
        if (!armed) return setArmed(true)
        setArmed(false)
        setBusy(true)
        try {
          await onConfirm()
        } finally {
          setBusy(false)
        }
      }}
    >
      {armed ? confirmLabel : children}
    </Button>
  )
}

export function Spinner({ small }: { small?: boolean }) {
  return <span className={`spinner${small ? ' spinner-sm' : ''}`} aria-label="loading" role="status" />
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      {title || actions ? (
        <header className="card-head">
          <h2>{title}</h2>
          <div className="card-actions">{actions}</div>
        </header>
      ) : null}
      <div className="card-body">{children}</div>
    </section>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>
}

/** The backend of this part answered 404/503: it has not landed or is not running. */
export function NotAvailable({ what, error }: { what: string; error?: unknown }) {
  const status = error instanceof ApiError ? error.status : undefined
  return (
    <div className="not-available" data-testid="not-available">
      <strong>{what} is not available on this platform.</strong>
      <span>
        {status === 503 ? 'It is not running right now' : 'This platform does not serve it yet'}
        {error ? (
          <>
            {' '}
            (<code>{status}</code> {errorText(error)})
          </>
        ) : null}
        . Nothing is shown until it answers; this page never shows made-up data.
      </span>
    </div>
  )
}

export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="error-note" role="alert">
      <span>{errorText(error)}</span>
      {onRetry ? (
        <Button size="sm" variant="ghost" onClick={onRetry}>
          Retry
        </Button>
      ) : null}
    </div>
  )
}

/** Loading / not available / error / the content, in that order. */
export function Loaded<T>({
  resource,
  what,
  children,
}: {
  resource: { data: T | null; error: unknown; loading: boolean; reload: () => void }
  what: string
  children: (data: T) => ReactNode
}) {
  if (resource.data !== null) {
    return (
      <>
        {resource.error ? <ErrorNote error={resource.error} onRetry={resource.reload} /> : null}
        {children(resource.data)}
      </>
    )
  }
  if (resource.loading) {
    return (
      <div className="loading">
        <Spinner /> Loading {what}…
      </div>
    )
  }
  if (resource.error instanceof ApiError && resource.error.unavailable) {
    return <NotAvailable what={what} error={resource.error} />
  }
  if (resource.error) return <ErrorNote error={resource.error} onRetry={resource.reload} />
  return null
}

export function Meter({ value, label }: { value: number | null | undefined; label?: string }) {
  const v = Math.max(0, Math.min(100, value ?? 0))
  const tone = v > 90 ? 'bad' : v > 70 ? 'warn' : 'ok'
  return (
    <div className="meter" title={label}>
      <div className={`meter-fill meter-${tone}`} style={{ width: `${v}%` }} />
    </div>
  )
}

export function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub ? <div className="stat-sub">{sub}</div> : null}
    </div>
  )
}
