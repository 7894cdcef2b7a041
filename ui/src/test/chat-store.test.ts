// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WebSocket as NodeWebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws'
import { setConfig } from '../lib/config'
import { WsClient } from '../lib/ws'
import { createChatStore } from '../store/chat'

// A WebSocket server that speaks the chat frames of the agents contract (TEAM.md): the
// test scripts what it answers, the store under test is the real one over a real socket.
let server: WebSocketServer
let serverSocket: ServerSocket | null
let fromClient: Record<string, unknown>[]
let client: WsClient
const fetchCalls: string[] = []

function reply(frame: Record<string, unknown>) {
  serverSocket!.send(JSON.stringify(frame))
}

beforeEach(async () => {
  fromClient = []
  serverSocket = null
  server = new WebSocketServer({ port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  server.on('connection', (socket) => {
    serverSocket = socket
    socket.on('message', (data) => fromClient.push(JSON.parse(String(data))))
  })
  const port = (server.address() as { port: number }).port
  setConfig({ basePath: '/', apiBase: `http://127.0.0.1:${port}/`, wsUrl: `ws://127.0.0.1:${port}/ws` })
  client = new WsClient(`ws://127.0.0.1:${port}/ws`, { socketFactory: (url) => new NodeWebSocket(url) as never })
  client.connect()
  await vi.waitFor(() => expect(client.snapshot.status).toBe('open'))
  fetchCalls.length = 0
  vi.stubGlobal('fetch', async (url: string) => {
    fetchCalls.push(String(url))
    return new Response(JSON.stringify({ conversations: [] }), { status: 200, headers: { 'content-type': 'application/json' } })
  })
})

afterEach(async () => {
  client.close()
  vi.unstubAllGlobals()
  await new Promise((resolve) => server.close(resolve))
  setConfig(null)
})

describe('chat store', () => {
  it('streams deltas into one assistant message and ends with the final content', async () => {
    const store = createChatStore(() => client)
    store.getState().setAgent('a1')
    await store.getState().send('  hello  ')
    await vi.waitFor(() => expect(fromClient).toHaveLength(1))
    const sent = fromClient[0] as { type: string; ref: string; message: Record<string, unknown> }
    expect(sent.type).toBe('chat_message')
    expect(sent.message).toEqual({ message: 'hello', agent_id: 'a1' })
    expect(store.getState().pendingRef).toBe(sent.ref)

    reply({ type: 'typing_indicator', ref: sent.ref, data: { conversation_id: 'c1', agent_id: 'a1', typing: true, agent_type: 'coding', route_reason: 'keywords: python' } })
    await vi.waitFor(() => expect(store.getState().activeId).toBe('c1'))
    expect(store.getState().typing).toBe(true)
    reply({ type: 'chat_response', ref: sent.ref, data: { conversation_id: 'c1', agent_id: 'a1', delta: 'Hel', done: false } })
    reply({ type: 'chat_response', ref: 'someone-else', data: { delta: 'XXX', done: false } })
    reply({ type: 'chat_response', ref: sent.ref, data: { conversation_id: 'c1', agent_id: 'a1', delta: 'lo **there**', done: false } })
    await vi.waitFor(() => expect(store.getState().messages[1].content).toBe('Hello **there**'))
    expect(store.getState().messages[1].streaming).toBe(true)

    reply({ type: 'chat_response', ref: sent.ref, data: { conversation_id: 'c1', agent_id: 'a1', message_id: 'm9', content: 'Hello **there**!', done: true } })
    await vi.waitFor(() => expect(store.getState().pendingRef).toBeNull())
    const [user, answer] = store.getState().messages
    expect(user).toMatchObject({ role: 'user', content: 'hello' })
    expect(answer).toMatchObject({ id: 'm9', role: 'assistant', content: 'Hello **there**!', streaming: false, agent_id: 'a1', agent_type: 'coding', route_reason: 'keywords: python' })
    // the conversation list is refreshed once the answer is complete
    await vi.waitFor(() => expect(fetchCalls.some((u) => u.endsWith('/api/v1/chat/conversations'))).toBe(true))
  })

  it('continues the open conversation and stops a running answer with the same ref', async () => {
    const store = createChatStore(() => client)
    store.setState({ activeId: 'c7' })
    await store.getState().send('long one')
    await vi.waitFor(() => expect(fromClient).toHaveLength(1))
    const ref = (fromClient[0] as { ref: string }).ref
    expect((fromClient[0] as { message: unknown }).message).toEqual({ message: 'long one', conversation_id: 'c7' })
    reply({ type: 'chat_response', ref, data: { conversation_id: 'c7', delta: 'partial', done: false } })
    await vi.waitFor(() => expect(store.getState().messages[1].content).toBe('partial'))

    store.getState().stop()
    await vi.waitFor(() => expect(fromClient).toContainEqual({ type: 'stop', ref }))
    reply({ type: 'chat_stopped', ref, data: { stopped: true } })
    // the agent then sends its final answer: the partial text it stored, marked stopped
    reply({ type: 'chat_response', ref, data: { conversation_id: 'c7', message_id: 'm3', content: 'partial', done: true, status: 'stopped' } })
    await vi.waitFor(() => expect(store.getState().pendingRef).toBeNull())
    expect(store.getState().messages[1]).toMatchObject({ id: 'm3', content: 'partial', stopped: true, streaming: false })
  })

  it('starts the answer over when the platform delivers the turn again to a restarted agent', async () => {
    const store = createChatStore(() => client)
    await store.getState().send('tell me more')
    await vi.waitFor(() => expect(fromClient).toHaveLength(1))
    const ref = (fromClient[0] as { ref: string }).ref
    reply({ type: 'chat_response', ref, data: { conversation_id: 'c2', delta: 'half an ans', done: false } })
    await vi.waitFor(() => expect(store.getState().messages[1].content).toBe('half an ans'))
    reply({ type: 'chat_redelivered', ref, data: { conversation_id: 'c2', message_id: 'u1', reason: 'agent/a1 died' } })
    await vi.waitFor(() => expect(store.getState().messages[1].content).toBe(''))
    expect(store.getState().messages[1]).toMatchObject({ redelivered: 'agent/a1 died', streaming: true })
    reply({ type: 'chat_response', ref, data: { conversation_id: 'c2', delta: 'A whole answer.', done: false } })
    reply({ type: 'chat_response', ref, data: { conversation_id: 'c2', message_id: 'm5', content: 'A whole answer.', done: true } })
    await vi.waitFor(() => expect(store.getState().pendingRef).toBeNull())
    expect(store.getState().messages[1]).toMatchObject({ id: 'm5', content: 'A whole answer.', streaming: false })
  })

  it('ends a stopped answer even when no final frame follows (a plain model stream)', async () => {
    const store = createChatStore(() => client)
    await store.getState().send('stop me')
    await vi.waitFor(() => expect(fromClient).toHaveLength(1))
    const ref = (fromClient[0] as { ref: string }).ref
    store.getState().stop()
    reply({ type: 'chat_stopped', ref, data: { stopped: true } })
    await vi.waitFor(() => expect(store.getState().messages[1].stopped).toBe(true))
    expect(store.getState().pendingRef).toBe(ref) // still waiting for a final frame
    await vi.waitFor(() => expect(store.getState().pendingRef).toBeNull(), { timeout: 5000 })
    expect(store.getState().messages[1].streaming).toBe(false)
  })

  it('shows a chat_error on the answer and accepts the next message', async () => {
    const store = createChatStore(() => client)
    await store.getState().send('fail please')
    await vi.waitFor(() => expect(fromClient).toHaveLength(1))
    const ref = (fromClient[0] as { ref: string }).ref
    reply({ type: 'chat_error', ref, data: { code: 'agent_unavailable', message: 'agent/a1 is restarting' } })
    await vi.waitFor(() => expect(store.getState().pendingRef).toBeNull())
    expect(store.getState().messages[1].error).toBe('agent/a1 is restarting')
    await store.getState().send('again')
    await vi.waitFor(() => expect(fromClient).toHaveLength(2))
  })

  it('marks chat unavailable when the conversations route answers 404', async () => {
    vi.stubGlobal('fetch', async () =>
      new Response(JSON.stringify({ code: 'not_found', message: 'no such path: /api/v1/chat/conversations' }), { status: 404 }),
    )
    const store = createChatStore(() => client)
    await store.getState().loadConversations()
    expect(store.getState().availability).toBe('unavailable')
    expect(store.getState().conversations).toEqual([])
  })

  it('answers over REST when the socket is down', async () => {
    client.close()
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      fetchCalls.push(String(url))
      if (String(url).endsWith('/chat/message')) {
        expect(JSON.parse(String(init?.body))).toEqual({ message: 'hi' })
        return new Response(JSON.stringify({ conversation_id: 'c2', response: 'Hi!', agent_id: 'a2', agent_type: 'general', message_id: 'm1', route_reason: 'default' }), { status: 200 })
      }
      return new Response(JSON.stringify({ conversations: [] }), { status: 200 })
    })
    const store = createChatStore(() => client)
    await store.getState().send('hi')
    expect(store.getState().activeId).toBe('c2')
    expect(store.getState().messages[1]).toMatchObject({ id: 'm1', content: 'Hi!', agent_id: 'a2', streaming: false })
  })
})
