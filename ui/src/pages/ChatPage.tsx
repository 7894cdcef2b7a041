import { useEffect, useRef, useState } from 'react'
import { Markdown } from '../components/Markdown'
import { Badge, Button, ConfirmButton, Empty, ErrorNote, Loaded, Spinner } from '../components/ui'
import { api, errorText } from '../lib/api'
import { ago } from '../lib/format'
import { useConnection } from '../lib/socket'
import { toast } from '../lib/toast'
import type { Agent, AgentType } from '../lib/types'
import { useResource } from '../lib/useResource'
import { useChat } from '../store'
import type { ChatMessage } from '../store/chat'

const EXT = { markdown: 'md', json: 'json', text: 'txt' } as const

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

function Message({ message, agents }: { message: ChatMessage; agents: Map<string, Agent> }) {
  const agent = message.agent_id ? agents.get(message.agent_id) : undefined
  return (
    <div className={`msg msg-${message.role}`} data-testid={`msg-${message.role}`} data-streaming={message.streaming ? 'true' : 'false'}>
      <div className="msg-meta">
        <strong>{message.role === 'user' ? 'You' : message.role === 'assistant' ? agent?.name || message.agent_id || 'Agent' : message.role}</strong>
        {agent || message.agent_type ? <span className="muted small">{agent?.type ?? message.agent_type}</span> : null}
        {message.route_reason ? <span className="muted small" title="why the platform picked this agent">· {message.route_reason}</span> : null}
        {message.streaming ? <Badge tone="info">streaming</Badge> : null}
        {message.stopped ? <Badge tone="warn">stopped</Badge> : null}
        {message.redelivered ? (
          <span title={message.redelivered}>
            <Badge tone="warn">agent restarted: answered again</Badge>
          </span>
        ) : null}
      </div>
      {message.role === 'user' ? (
        <div className="msg-text">{message.content}</div>
      ) : message.content ? (
        <Markdown text={message.content} />
      ) : message.streaming ? (
        <div className="typing" aria-label="typing">
          <span />
          <span />
          <span />
        </div>
      ) : null}
      {message.error ? <div className="msg-error">{message.error}</div> : null}
    </div>
  )
}

export default function ChatPage() {
  const chat = useChat()
  const probe = useResource(() => api.get<{ types: AgentType[] }>('agents/types'), [])
  const agents = useResource(() => api.get<{ agents: Agent[] }>('agents'), [], 10000)
  const connection = useConnection((s) => s.status)
  const [draft, setDraft] = useState('')
  const [format, setFormat] = useState<'markdown' | 'json' | 'text'>('markdown')
  const bottom = useRef<HTMLDivElement>(null)
  const agentMap = new Map((agents.data?.agents ?? []).map((a) => [a.id, a]))

  useEffect(() => {
    void chat.loadConversations() // once per visit; the store refreshes after each answer
  }, [])
  const last = chat.messages[chat.messages.length - 1]
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' })
  }, [chat.messages.length, last?.content])

  if (!probe.data) {
    return (
      <div className="page" data-testid="page-chat">
        <header className="page-head">
          <div>
            <h1>Chat</h1>
          </div>
        </header>
        <Loaded resource={probe} what="Chat (the agents API)">
          {() => null}
        </Loaded>
      </div>
    )
  }

  const send = () => {
    const text = draft
    setDraft('')
    void chat.send(text)
  }

  return (
    <div className="chat" data-testid="page-chat">
      <aside className="chat-list">
        <div className="chat-list-head">
          <h2>Conversations</h2>
          <Button size="sm" variant="primary" onClick={() => void chat.open(null)} data-testid="new-conversation">
            New
          </Button>
        </div>
        {chat.conversationsError ? <ErrorNote error={chat.conversationsError} onRetry={() => void chat.loadConversations()} /> : null}
        {chat.availability === 'unavailable' ? (
          <Empty>Conversation history is not available ({errorText(chat.unavailableError)}).</Empty>
        ) : chat.conversations.length === 0 ? (
          <Empty>No conversations yet.</Empty>
        ) : (
          <ul data-testid="conversations">
            {chat.conversations.map((c) => (
              <li key={c.id} className={c.id === chat.activeId ? 'active' : ''}>
                <button type="button" onClick={() => void chat.open(c.id)}>
                  <span className="conv-title">{c.title || 'Untitled'}</span>
                  <span className="muted small">
                    {c.message_count} msgs · {ago(c.updated_at)}
                  </span>
                </button>
                <ConfirmButton size="sm" confirmLabel="×?" title="Delete conversation" onConfirm={() => chat.remove(c.id).catch((e) => toast.bad(errorText(e)))}>
                  ×
                </ConfirmButton>
              </li>
            ))}
          </ul>
        )}
      </aside>

      <section className="chat-main">
        <header className="chat-head">
          <label className="inline">
            agent
            <select
              value={chat.agentId ?? ''}
              onChange={(e) => chat.setAgent(e.target.value || null)}
              data-testid="agent-picker"
              disabled={Boolean(chat.pendingRef)}
            >
              <option value="">auto (routed by the platform)</option>
              {(agents.data?.agents ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name || a.id} · {a.type}
                </option>
              ))}
            </select>
          </label>
          <div className="grow" />
          {chat.activeId ? (
            <div className="export">
              <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)} aria-label="export format">
                <option value="markdown">Markdown</option>
                <option value="json">JSON</option>
                <option value="text">Text</option>
              </select>
              <Button
                size="sm"
                data-testid="export"
                onClick={async () => {
                  try {
                    const out = await chat.exportConversation(chat.activeId!, format)
                    download(`conversation-${chat.activeId}.${EXT[format]}`, out.text, out.type)
                  } catch (exc) {
                    toast.bad(`Export: ${errorText(exc)}`)
                  }
                }}
              >
                Export
              </Button>
            </div>
          ) : null}
        </header>

        <div className="messages" data-testid="messages">
          {chat.historyLoading ? (
            <div className="loading">
              <Spinner /> Loading history…
            </div>
          ) : chat.messages.length === 0 ? (
            <div className="chat-empty">
              <h2>Ask an agent</h2>
              <p className="muted">
                Answers stream in as Markdown. Pick an agent above, or let the platform route the message.
                {probe.data.types.length ? <> Agent types: {probe.data.types.map((t) => t.type).join(', ')}.</> : null}
              </p>
            </div>
          ) : (
            chat.messages.map((m) => <Message key={m.id} message={m} agents={agentMap} />)
          )}
          <div ref={bottom} />
        </div>

        <form
          className="composer"
          onSubmit={(event) => {
            event.preventDefault()
            send()
          }}
        >
          <textarea
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder={connection === 'open' ? 'Message… (Enter to send, Shift+Enter for a new line)' : 'Message… (the live connection is down: answers come without streaming)'}
            rows={2}
            data-testid="composer"
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault()
                send()
              }
            }}
          />
          {chat.pendingRef ? (
            <Button variant="danger" onClick={() => chat.stop()} data-testid="stop">
              Stop
            </Button>
          ) : (
            <Button type="submit" variant="primary" disabled={!draft.trim()} data-testid="send">
              Send
            </Button>
          )}
        </form>
      </section>
    </div>
  )
}
