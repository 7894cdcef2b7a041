import { create } from 'zustand'
import { api, ApiError, errorText, requestText } from '../lib/api'
import type { WsClient, WsFrame } from '../lib/ws'

// Chat against the agents/chat API (issue 7): REST for conversations and history, the
// /ws `chat_message` frame for a streamed answer (typing_indicator, chat_response deltas,
// a final chat_response with done=true, or chat_error; `stop` with the same ref stops it).

export interface Conversation {
  id: string
  title: string | null
  agent_id: string | null
  created_at: string | number | null
  updated_at: string | number | null
  message_count: number
}

export interface ChatMessage {
  id: string
  role: 'user' | 'assistant' | 'system' | string
  content: string
  agent_id?: string | null
  created_at?: string | number | null
  streaming?: boolean
  stopped?: boolean
  error?: string
  agent_type?: string | null
  route_reason?: string | null
  redelivered?: string // why the answer started over (its agent died mid-answer)
}

export type Availability = 'unknown' | 'available' | 'unavailable'

export interface ChatState {
  availability: Availability
  unavailableError: unknown
  conversations: Conversation[]
  conversationsError: unknown
  activeId: string | null
  messages: ChatMessage[]
  historyLoading: boolean
  agentId: string | null // null: let the router pick an agent
  pendingRef: string | null
  typing: boolean
  lastRoute: string | null
  loadConversations: () => Promise<void>
  open: (id: string | null) => Promise<void>
  setAgent: (id: string | null) => void
  send: (text: string) => Promise<void>
  stop: () => void
  remove: (id: string) => Promise<void>
  exportConversation: (id: string, format: 'markdown' | 'json' | 'text') => Promise<{ text: string; type: string }>
}

const IDLE_TIMEOUT_MS = 180000 // no frame for this long: the answer is given up
const STOP_GRACE_MS = 3000 // after chat_stopped, how long the final chat_response may take

export function createChatStore(getSocket: () => WsClient) {
  let detach: (() => void) | null = null
  let idleTimer: ReturnType<typeof setTimeout> | null = null

  return create<ChatState>((set, get) => {
    const patchStreaming = (patch: (m: ChatMessage) => ChatMessage) =>
      set((s) => ({ messages: s.messages.map((m) => (m.streaming ? patch(m) : m)) }))

    const finish = (patch: (m: ChatMessage) => ChatMessage) => {
      patchStreaming((m) => ({ ...patch(m), streaming: false }))
      detach?.()
      detach = null
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = null
      set({ pendingRef: null, typing: false })
      void get().loadConversations()
    }

    const armIdle = () => {
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = setTimeout(() => finish((m) => ({ ...m, error: 'no answer from the platform (timed out)' })), IDLE_TIMEOUT_MS)
    }

    const onFrame = (frame: WsFrame) => {
      armIdle()
      const data = frame.data ?? {}
      if (data.conversation_id && get().activeId !== data.conversation_id) {
        set({ activeId: String(data.conversation_id) })
        // a conversation the platform just made: list it while the answer streams
        if (!get().conversations.some((c) => c.id === data.conversation_id)) void get().loadConversations()
      }
      switch (frame.type) {
        case 'typing_indicator':
          set({ typing: Boolean(data.typing), lastRoute: data.route_reason ?? null })
          patchStreaming((m) => ({
            ...m,
            agent_id: data.agent_id ?? m.agent_id,
            agent_type: data.agent_type ?? m.agent_type,
            route_reason: data.route_reason ?? m.route_reason,
          }))
          break
        case 'chat_response':
          if (data.done) {
            finish((m) => ({
              ...m,
              id: data.message_id ? String(data.message_id) : m.id,
              content: typeof data.content === 'string' ? data.content : m.content,
              agent_id: data.agent_id ?? m.agent_id,
              agent_type: data.agent_type ?? m.agent_type,
              stopped: data.status === 'stopped' || Boolean(data.stopped) || m.stopped,
            }))
          } else {
            set({ typing: false })
            patchStreaming((m) => ({ ...m, content: m.content + (data.delta ?? ''), agent_id: data.agent_id ?? m.agent_id }))
          }
          break
        case 'chat_redelivered':
          // The agent died mid-answer and the platform gave the turn to its successor:
          // what was streamed so far is void, the answer streams again from the start.
          set({ typing: true })
          patchStreaming((m) => ({ ...m, content: '', redelivered: String(data.reason ?? 'the agent restarted') }))
          break
        case 'chat_error':
        case 'connection_error':
          finish((m) => ({ ...m, error: data.message ?? data.code ?? 'the answer failed' }))
          break
        case 'chat_stopped':
          // An agent stores the partial answer and then sends its final chat_response;
          // a plain model stream ends here. Wait briefly for the final one.
          patchStreaming((m) => ({ ...m, stopped: true }))
          if (idleTimer) clearTimeout(idleTimer)
          idleTimer = setTimeout(() => finish((m) => ({ ...m, stopped: true })), STOP_GRACE_MS)
          return
      }
    }

    return {
      availability: 'unknown',
      unavailableError: null,
      conversations: [],
      conversationsError: null,
      activeId: null,
      messages: [],
      historyLoading: false,
      agentId: null,
      pendingRef: null,
      typing: false,
      lastRoute: null,

      loadConversations: async () => {
        try {
          const body = await api.get<{ conversations: Conversation[] }>('chat/conversations')
          const conversations = [...body.conversations].sort((a, b) => String(b.updated_at ?? '').localeCompare(String(a.updated_at ?? '')))
          set({ conversations, conversationsError: null, availability: 'available', unavailableError: null })
        } catch (exc) {
          if (exc instanceof ApiError && exc.unavailable && exc.status !== 503) {
            set({ availability: 'unavailable', unavailableError: exc })
          } else {
            set({ conversationsError: exc })
          }
        }
      },

      open: async (id) => {
        if (get().pendingRef) get().stop()
        set({ activeId: id, messages: [], typing: false })
        if (id === null) return
        set({ historyLoading: true })
        try {
          const body = await api.get<{ messages: ChatMessage[] }>(`chat/history?conversation_id=${encodeURIComponent(id)}`)
          if (get().activeId === id) set({ messages: body.messages })
        } catch (exc) {
          if (get().activeId === id) set({ messages: [{ id: 'error', role: 'system', content: '', error: errorText(exc) }] })
        } finally {
          set({ historyLoading: false })
        }
      },

      setAgent: (id) => set({ agentId: id }),

      send: async (text) => {
        const message = text.trim()
        if (!message || get().pendingRef) return
        const ws = getSocket()
        const ref = ws.nextRef('chat')
        const now = Date.now() / 1000
        const payload: Record<string, unknown> = { message }
        if (get().activeId) payload.conversation_id = get().activeId
        if (get().agentId) payload.agent_id = get().agentId
        set((s) => ({
          pendingRef: ref,
          typing: true,
          messages: [
            ...s.messages,
            { id: `local-${ref}`, role: 'user', content: message, created_at: now },
            { id: `answer-${ref}`, role: 'assistant', content: '', created_at: now, streaming: true, agent_id: get().agentId },
          ],
        }))
        detach = ws.onRef(ref, onFrame)
        if (ws.send({ type: 'chat_message', ref, message: payload })) {
          armIdle()
          return
        }
        // The socket is down (reconnecting): answer over REST, not streamed.
        detach?.()
        detach = null
        try {
          const answer = await api.post<{ conversation_id: string; response: string; agent_id: string; message_id: string; route_reason?: string }>(
            'chat/message',
            payload,
            IDLE_TIMEOUT_MS,
          )
          set({ activeId: answer.conversation_id, lastRoute: answer.route_reason ?? null })
          finish((m) => ({ ...m, id: answer.message_id, content: answer.response, agent_id: answer.agent_id }))
        } catch (exc) {
          finish((m) => ({ ...m, error: errorText(exc) }))
        }
      },

      stop: () => {
        const ref = get().pendingRef
        if (!ref) return
        // The server answers chat_stopped, or a final chat_response marked stopped.
        if (!getSocket().send({ type: 'stop', ref })) finish((m) => ({ ...m, stopped: true }))
      },

      remove: async (id) => {
        await api.del(`chat/conversations/${encodeURIComponent(id)}`)
        if (get().activeId === id) set({ activeId: null, messages: [] })
        await get().loadConversations()
      },

      exportConversation: (id, format) => requestText(`chat/export?conversation_id=${encodeURIComponent(id)}&format=${format}`),
    }
  })
}
