// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws'
import { backoffDelay, topicMatches, WsClient, type SocketFactory } from '../lib/ws'

describe('backoffDelay', () => {
  const opts = { initialMs: 500, maxMs: 8000, multiplier: 2, jitter: 0.2 }

  it('doubles from the initial delay and stops at the cap', () => {
    const mid = () => 0.5 // no jitter
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, mid))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000])
  })

  it('spreads by at most the jitter fraction either way', () => {
    expect(backoffDelay(2, opts, () => 0)).toBe(1600)
    expect(backoffDelay(2, opts, () => 1)).toBe(2400)
  })
})

// A socket whose open/close the test drives, to check the client's timing exactly.
class ScriptedSocket {
  static all: ScriptedSocket[] = []
  readyState = 0
  sent: Record<string, unknown>[] = []
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: unknown) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  constructor(readonly url: string) {
    ScriptedSocket.all.push(this)
  }
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.readyState = 3
  }
  accept() {
    this.readyState = 1
    this.onopen?.({})
  }
  drop() {
    this.readyState = 3
    this.onclose?.({})
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
}

describe('WsClient reconnect', () => {
  const factory: SocketFactory = (url) => new ScriptedSocket(url)
  const backoff = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 }

  beforeEach(() => {
    ScriptedSocket.all = []
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('retries with growing delays while the server is down, and resets after a success', () => {
    const client = new WsClient('ws://x/ws', { socketFactory: factory, backoff })
    const states: string[] = []
    client.onState((s) => states.push(s.status))
    client.connect()
    expect(ScriptedSocket.all).toHaveLength(1)

    ScriptedSocket.all[0].drop() // refused
    expect(client.snapshot).toMatchObject({ status: 'reconnecting', attempt: 1 })
    vi.advanceTimersByTime(99)
    expect(ScriptedSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(ScriptedSocket.all).toHaveLength(2) // after 100 ms

    ScriptedSocket.all[1].drop()
    vi.advanceTimersByTime(199)
    expect(ScriptedSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(ScriptedSocket.all).toHaveLength(3) // after 200 ms

    ScriptedSocket.all[2].drop()
    vi.advanceTimersByTime(400)
    expect(ScriptedSocket.all).toHaveLength(4) // after 400 ms

    ScriptedSocket.all[3].accept()
    expect(client.snapshot).toMatchObject({ status: 'open', attempt: 0, nextRetryAt: null })

    ScriptedSocket.all[3].drop() // a later outage starts again at the initial delay
    vi.advanceTimersByTime(100)
    expect(ScriptedSocket.all).toHaveLength(5)
    expect(states).toContain('connecting')
    expect(states).toContain('open')
    client.close()
  })

  it('sends its topic subscriptions again on every new connection', () => {
    const client = new WsClient('ws://x/ws', { socketFactory: factory, backoff })
    client.connect()
    client.subscribe('supervision', () => {})
    client.subscribe('mcp', () => {})
    ScriptedSocket.all[0].accept()
    expect(ScriptedSocket.all[0].sent).toEqual([{ type: 'subscribe', topics: ['mcp', 'supervision'] }])

    ScriptedSocket.all[0].drop()
    vi.advanceTimersByTime(100)
    ScriptedSocket.all[1].accept()
    expect(ScriptedSocket.all[1].sent).toEqual([{ type: 'subscribe', topics: ['mcp', 'supervision'] }])
    client.close()
  })

  it('runs beforeReconnect (the session refresh) before each reconnect, not before the first connect', async () => {
    const calls: number[] = []
    const client = new WsClient('ws://x/ws', {
      socketFactory: factory,
      backoff,
      beforeReconnect: async () => {
        calls.push(ScriptedSocket.all.length)
      },
    })
    client.connect()
    expect(calls).toEqual([])
    ScriptedSocket.all[0].accept()
    ScriptedSocket.all[0].drop()
    await vi.advanceTimersByTimeAsync(100)
    expect(calls).toEqual([1]) // ran while one socket existed, then the second opened
    expect(ScriptedSocket.all).toHaveLength(2)
    client.close()
  })

  it('routes topic events and ref answers to their listeners only', () => {
    const client = new WsClient('ws://x/ws', { socketFactory: factory, backoff })
    client.connect()
    const supervision: string[] = []
    const answers: string[] = []
    const off = client.subscribe('supervision', (f) => supervision.push(f.type))
    client.onRef('r1', (f) => answers.push(f.type))
    ScriptedSocket.all[0].accept()
    const socket = ScriptedSocket.all[0]
    socket.receive({ type: 'supervision_event', topic: 'supervision', data: {} })
    socket.receive({ type: 'system_metrics', topic: 'system_metrics', data: {} })
    socket.receive({ type: 'chat_response', ref: 'r1', data: { delta: 'a' } })
    socket.receive({ type: 'chat_response', ref: 'r2', data: { delta: 'b' } })
    expect(supervision).toEqual(['supervision_event'])
    expect(answers).toEqual(['chat_response'])
    off() // the last listener of a topic unsubscribes on the server too
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe', topics: ['supervision'] })
    client.close()
  })

  it('delivers the events of a pattern subscription (reasoning.*) as the bus matches them', () => {
    expect(topicMatches('reasoning.*', 'reasoning.abc')).toBe(true)
    expect(topicMatches('reasoning.*', 'reasoning')).toBe(false)
    expect(topicMatches('*', 'anything')).toBe(true)
    expect(topicMatches('agents', 'agents.x')).toBe(false)
    const client = new WsClient('ws://x/ws', { socketFactory: factory, backoff })
    client.connect()
    const sessions: string[] = []
    client.subscribe('reasoning.*', (f) => sessions.push(`${f.topic}:${f.type}`))
    ScriptedSocket.all[0].accept()
    expect(ScriptedSocket.all[0].sent).toEqual([{ type: 'subscribe', topics: ['reasoning.*'] }])
    const socket = ScriptedSocket.all[0]
    socket.receive({ type: 'reasoning_update', topic: 'reasoning.s1', data: {} })
    socket.receive({ type: 'reasoning_defaults', topic: 'reasoning', data: {} })
    socket.receive({ type: 'reasoning_complete', topic: 'reasoning.s2', data: {} })
    expect(sessions).toEqual(['reasoning.s1:reasoning_update', 'reasoning.s2:reasoning_complete'])
    client.close()
  })

  it('treats a silent connection as dead and reconnects (heartbeat)', () => {
    const client = new WsClient('ws://x/ws', { socketFactory: factory, backoff, pingIntervalMs: 1000 })
    client.connect()
    ScriptedSocket.all[0].accept()
    vi.advanceTimersByTime(1000)
    expect(ScriptedSocket.all[0].sent).toContainEqual({ type: 'ping' })
    ScriptedSocket.all[0].receive({ type: 'pong' })
    vi.advanceTimersByTime(2000) // no pong to the following pings
    vi.advanceTimersByTime(1000)
    expect(client.snapshot.status).toBe('reconnecting')
    vi.advanceTimersByTime(100)
    expect(ScriptedSocket.all).toHaveLength(2)
    client.close()
  })

  it('does not reconnect after close()', () => {
    const client = new WsClient('ws://x/ws', { socketFactory: factory, backoff })
    client.connect()
    ScriptedSocket.all[0].accept()
    client.close()
    vi.advanceTimersByTime(10000)
    expect(ScriptedSocket.all).toHaveLength(1)
    expect(client.snapshot.status).toBe('closed')
  })
})

describe('WsClient against a real WebSocket server', () => {
  it('reconnects after the server goes away and comes back on the same port', async () => {
    const first = new WebSocketServer({ port: 0 })
    await new Promise((resolve) => first.once('listening', resolve))
    const port = (first.address() as { port: number }).port
    const received: unknown[] = []
    const serve = (server: WebSocketServer) =>
      server.on('connection', (socket) => {
        socket.on('message', (data) => received.push(JSON.parse(String(data))))
        socket.send(JSON.stringify({ type: 'connection_status', data: { status: 'connected', client_id: `c${received.length}` } }))
      })
    serve(first)
    const client = new WsClient(`ws://127.0.0.1:${port}/ws`, {
      socketFactory: (url) => new NodeWebSocket(url) as never,
      backoff: { initialMs: 50, maxMs: 400, multiplier: 2, jitter: 0 },
    })
    const opened = () =>
      new Promise<void>((resolve) => {
        const off = client.onState((s) => {
          if (s.status === 'open') {
            off()
            resolve()
          }
        })
      })
    let open = opened()
    client.connect()
    client.subscribe('supervision', () => {})
    await open
    await vi.waitFor(() => expect(client.snapshot.clientId).toBe('c0'))

    // server down: every client socket closes, the port refuses for a while
    for (const socket of first.clients) socket.terminate()
    await new Promise((resolve) => first.close(resolve))
    await vi.waitFor(() => expect(client.snapshot.attempt).toBeGreaterThanOrEqual(2), { timeout: 3000 })

    received.length = 0
    open = opened()
    const second = new WebSocketServer({ port })
    serve(second)
    await open
    await vi.waitFor(() => expect(received).toContainEqual({ type: 'subscribe', topics: ['supervision'] }))
    expect(client.snapshot.attempt).toBe(0)
    client.close()
    await new Promise((resolve) => second.close(resolve))
  })
})
