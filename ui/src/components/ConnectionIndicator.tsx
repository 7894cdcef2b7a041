import { useEffect, useState } from 'react'
import { socket, useConnection } from '../lib/socket'

const LABELS = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting',
  closed: 'Disconnected',
} as const

/** The WebSocket's state; while reconnecting it counts down to the next try (click: retry now). */
export function ConnectionIndicator() {
  const { status, attempt, nextRetryAt } = useConnection()
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (status !== 'reconnecting') return
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [status])
  const wait = nextRetryAt ? Math.max(0, Math.ceil((nextRetryAt - now) / 1000)) : 0
  const tone = status === 'open' ? 'ok' : status === 'reconnecting' || status === 'closed' ? 'bad' : 'info'
  return (
    <button
      type="button"
      className={`conn conn-${tone}`}
      data-testid="connection"
      data-status={status}
      title={status === 'open' ? 'WebSocket connected: live updates on' : 'Click to reconnect now'}
      onClick={() => socket().retryNow()}
    >
      <span className="dot" />
      <span>{LABELS[status]}</span>
      {status === 'reconnecting' && nextRetryAt ? (
        <span className="conn-sub">
          try {attempt} · {wait}s
        </span>
      ) : null}
    </button>
  )
}
