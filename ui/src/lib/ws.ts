// The /ws client: one socket per page, reconnected with exponential backoff (and jitter,
// so a restarted gateway is not hit by every browser at once). Topic subscriptions
// survive reconnects: they are sent again on every open.

export type WsStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface WsFrame {
  type: string
  topic?: string
  data: any
  ts?: number
  ref?: string | number
}

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  multiplier: number
  jitter: number // +/- this fraction
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15000, multiplier: 2, jitter: 0.2 }

/** Delay before reconnect attempt `attempt` (0-based): initial * multiplier^attempt, capped, +/- jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const raw = Math.min(options.maxMs, options.initialMs * Math.pow(options.multiplier, attempt))
  const spread = raw * options.jitter * (2 * random() - 1)
  return Math.max(0, Math.round(raw + spread))
}

interface SocketLike {
  readyState: number
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export type SocketFactory = (url: string) => SocketLike

export interface WsClientOptions {
  socketFactory?: SocketFactory
  backoff?: BackoffOptions
  pingIntervalMs?: number // a ping this often; no frame for 2 intervals means a dead socket
  random?: () => number
  // Before each reconnect attempt (not the first connect): e.g. renew an expired session,
  // whose cookie the handshake carries. Its failure does not stop the attempt.
  beforeReconnect?: () => Promise<unknown>
}

export interface WsState {
  status: WsStatus
  attempt: number // consecutive failed attempts
  nextRetryAt: number | null // epoch ms of the next reconnect, while reconnecting
  clientId: string | null
}

type Listener<T> = (value: T) => void

const OPEN = 1

/** As the bus matches (protocols/events.py topic_matches): `*` matches every topic,
 * `prefix.*` every `prefix.<anything>`, anything else only itself. */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === '*' || pattern === topic) return true
  return pattern.endsWith('.*') && topic.startsWith(pattern.slice(0, -1))
}

export class WsClient {
  readonly url: string
  private readonly factory: SocketFactory
  private readonly backoff: BackoffOptions
  private readonly pingIntervalMs: number
  private readonly random: () => number
  private readonly beforeReconnect?: () => Promise<unknown>
  private socket: SocketLike | null = null
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private lastFrameAt = 0
  private stopped = true
  private refCounter = 0
  private state: WsState = { status: 'idle', attempt: 0, nextRetryAt: null, clientId: null }
  private readonly stateListeners = new Set<Listener<WsState>>()
  private readonly frameListeners = new Set<Listener<WsFrame>>()
  private readonly refListeners = new Map<string, Listener<WsFrame>>()
  private readonly topics = new Map<string, Set<Listener<WsFrame>>>()

  constructor(url: string, options: WsClientOptions = {}) {
    this.url = url
    this.factory =
      options.socketFactory ?? ((u: string) => new WebSocket(u) as unknown as SocketLike)
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
    this.pingIntervalMs = options.pingIntervalMs ?? 15000
    this.random = options.random ?? Math.random
    this.beforeReconnect = options.beforeReconnect
  }

  get snapshot(): WsState {
    return this.state
  }

  connect(): void {
    if (!this.stopped) return
    this.stopped = false
    this.open()
  }

  /** Stop for good (no reconnect). */
  close(): void {
    this.stopped = true
    this.clearTimers()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.close(1000, 'client closed')
    }
    this.setState({ status: 'closed', nextRetryAt: null })
  }

  /** Reconnect now instead of waiting for the backoff (the indicator's "retry"). */
  retryNow(): void {
    if (this.stopped || this.state.status === 'open' || this.state.status === 'connecting') return
    this.clearTimers()
    this.open()
  }

  onState(listener: Listener<WsState>): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  onFrame(listener: Listener<WsFrame>): () => void {
    this.frameListeners.add(listener)
    return () => this.frameListeners.delete(listener)
  }

  /** Frames answering one request (same `ref`). */
  onRef(ref: string, listener: Listener<WsFrame>): () => void {
    this.refListeners.set(ref, listener)
    return () => this.refListeners.delete(ref)
  }

  nextRef(prefix = 'r'): string {
    this.refCounter += 1
    return `${prefix}${Date.now().toString(36)}-${this.refCounter}`
  }

  /** Receive events of a bus topic (or pattern: `reasoning.*`); the subscription is renewed
   * after each reconnect. */
  subscribe(topic: string, listener: Listener<WsFrame>): () => void {
    let listeners = this.topics.get(topic)
    if (!listeners) {
      listeners = new Set()
      this.topics.set(topic, listeners)
      this.send({ type: 'subscribe', topics: [topic] })
    }
    listeners.add(listener)
    return () => {
      const current = this.topics.get(topic)
      if (!current) return
      current.delete(listener)
      if (current.size === 0) {
        this.topics.delete(topic)
        this.send({ type: 'unsubscribe', topics: [topic] })
      }
    }
  }

  get subscribedTopics(): string[] {
    return [...this.topics.keys()].sort()
  }

  /** Send a JSON frame; false when the socket is not open (the caller decides what that means). */
  send(message: Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false
    this.socket.send(JSON.stringify(message))
    return true
  }

  private open(): void {
    this.setState({ status: this.state.attempt === 0 ? 'connecting' : 'reconnecting', nextRetryAt: null })
    let socket: SocketLike
    try {
      socket = this.factory(this.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (this.socket !== socket) return
      this.lastFrameAt = Date.now()
      this.setState({ status: 'open', attempt: 0, nextRetryAt: null })
      if (this.topics.size > 0) this.send({ type: 'subscribe', topics: this.subscribedTopics })
      this.startPing()
    }
    socket.onmessage = (event) => {
      if (this.socket !== socket) return
      this.lastFrameAt = Date.now()
      let frame: WsFrame
      try {
        frame = JSON.parse(String(event.data)) as WsFrame
      } catch {
        return
      }
      this.dispatch(frame)
    }
    socket.onerror = () => {
      // onclose follows and decides
    }
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      this.clearTimers()
      if (!this.stopped) this.scheduleReconnect()
    }
  }

  private dispatch(frame: WsFrame): void {
    if (frame.type === 'connection_status' && frame.data?.client_id) {
      this.setState({ clientId: String(frame.data.client_id) })
    }
    for (const listener of this.frameListeners) listener(frame)
    if (frame.ref !== undefined && frame.ref !== null) {
      this.refListeners.get(String(frame.ref))?.(frame)
    }
    if (frame.topic) {
      for (const [pattern, listeners] of this.topics) {
        if (topicMatches(pattern, frame.topic)) for (const listener of listeners) listener(frame)
      }
    }
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.state.attempt, this.backoff, this.random)
    this.setState({ status: 'reconnecting', attempt: this.state.attempt + 1, nextRetryAt: Date.now() + delay, clientId: null })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.stopped) return
      if (!this.beforeReconnect) return this.open()
      void this.beforeReconnect()
        .catch(() => undefined)
        .then(() => {
          if (!this.stopped && this.socket === null) this.open()
        })
    }, delay)
  }

  private startPing(): void {
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * this.pingIntervalMs) {
        // no pong, no event: the connection is dead even if the socket does not know it yet
        const socket = this.socket
        this.socket = null
        this.clearTimers()
        if (socket) {
          socket.onclose = null
          socket.close(4000, 'heartbeat timeout')
        }
        if (!this.stopped) this.scheduleReconnect()
        return
      }
      this.send({ type: 'ping' })
    }, this.pingIntervalMs)
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    if (this.pingTimer !== null) clearInterval(this.pingTimer)
    this.retryTimer = null
    this.pingTimer = null
  }

  private setState(patch: Partial<WsState>): void {
    this.state = { ...this.state, ...patch }
    for (const listener of this.stateListeners) listener(this.state)
  }
}
