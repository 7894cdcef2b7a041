import { useCallback, useReducer, useRef, useState } from 'react'
import { Badge, Button, Card, ConfirmButton, Empty, ErrorNote, Loaded, Stat } from '../components/ui'
import { api, ApiError, errorText, postWithProgress } from '../lib/api'
import { ago, bytes, ms, num, pct } from '../lib/format'
import { useTopic } from '../lib/socket'
import { toast } from '../lib/toast'
import type { DocumentAdded, IndexInfo, IndexType, SearchAnswer, SearchBackend, SearchMode, SearchStats } from '../lib/types'
import {
  ACCEPTED_FILES,
  documentBody,
  formatOf,
  uploadReducer,
  uploadSummary,
  type DocumentFormat,
  type UploadItem,
} from '../lib/uploads'
import { useResource } from '../lib/useResource'
import type { WsFrame } from '../lib/ws'

const enc = encodeURIComponent
const INDEX_TYPES: IndexType[] = ['hnsw', 'flat', 'ivf']
const BACKENDS: SearchBackend[] = ['faiss', 'pgvector']
const MODES: SearchMode[] = ['hybrid', 'semantic', 'keyword']

/** A JSON object typed into a text box ("" is none); throws naming the box when it is not one. */
function jsonObject(text: string, what: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (exc) {
    throw new Error(`${what}: ${(exc as Error).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what}: must be a JSON object`)
  return value as Record<string, unknown>
}

function CreateIndex({ onCreated }: { onCreated: (index: IndexInfo) => void }) {
  const [name, setName] = useState('')
  const [type, setType] = useState<IndexType>('hnsw')
  const [shards, setShards] = useState('2')
  const [backend, setBackend] = useState<SearchBackend>('faiss')
  const [params, setParams] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  const submit = async () => {
    setBusy(true)
    setError(null)
    try {
      const body: Record<string, unknown> = { name: name.trim(), type, backend, shards: Number(shards) }
      const parsed = jsonObject(params, 'params')
      if (parsed) body.params = parsed
      const index = await api.post<IndexInfo>('search/indexes', body, 120000)
      toast.ok(`Created index ${index.name}`)
      setName('')
      onCreated(index)
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="form"
      data-testid="create-index"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <label>
        <span>name</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="lower-case, e.g. manuals" required />
      </label>
      <div className="form-row">
        <label>
          <span>type</span>
          <select name="type" value={type} onChange={(e) => setType(e.target.value as IndexType)}>
            {INDEX_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          <span>shards</span>
          <input name="shards" type="number" min={1} max={64} value={shards} onChange={(e) => setShards(e.target.value)} />
        </label>
        <label>
          <span>backend</span>
          <select name="backend" value={backend} onChange={(e) => setBackend(e.target.value as SearchBackend)}>
            {BACKENDS.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
      </div>
      <label>
        <span>
          params <span className="muted">(optional JSON: hnsw M, ef_construction, ef_search; ivf nlist, nprobe)</span>
        </span>
        <input name="params" value={params} onChange={(e) => setParams(e.target.value)} placeholder='{"M": 32}' spellCheck={false} />
      </label>
      {error ? <ErrorNote error={error} /> : null}
      <Button type="submit" variant="primary" busy={busy} disabled={!name.trim()}>
        Create index
      </Button>
    </form>
  )
}

function readFile(file: File, format: DocumentFormat, onProgress: (fraction: number) => void): Promise<string | ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total)
    }
    reader.onload = () => resolve(reader.result as string | ArrayBuffer)
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'))
    if (format === 'pdf') reader.readAsArrayBuffer(file)
    else reader.readAsText(file)
  })
}

function UploadRow({ item }: { item: UploadItem }) {
  const percent = Math.round(item.progress * 100)
  return (
    <li className="upload" data-testid="upload" data-name={item.name} data-phase={item.phase}>
      <div className="upload-head">
        <strong>{item.name}</strong>
        <span className="muted small">
          {item.format ?? '?'} · {bytes(item.size)}
        </span>
        <div className="grow" />
        <Badge tone={item.phase === 'done' ? 'ok' : item.phase === 'failed' ? 'bad' : 'info'}>{item.phase}</Badge>
      </div>
      <div className="progress" role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100} aria-label={`${item.name} upload`}>
        <div className={`progress-fill progress-${item.phase}`} style={{ width: `${percent}%` }} />
      </div>
      {item.result ? (
        <div className="muted small">
          {num(item.result.chunks)} chunks on shard {item.result.shard} · {num(item.result.chars)} characters · {ms(item.result.took_ms)}
          {item.result.indexed ? '' : ' · the shard rebuilds from the database'}
        </div>
      ) : null}
      {item.error ? <div className="msg-error small">{item.error}</div> : null}
    </li>
  )
}

function AddDocuments({ indexes, onAdded }: { indexes: IndexInfo[]; onAdded: () => void }) {
  const [index, setIndex] = useState(indexes[0]?.name ?? 'default')
  const [metadata, setMetadata] = useState('')
  const [items, dispatch] = useReducer(uploadReducer, [])
  const [text, setText] = useState('')
  const [textName, setTextName] = useState('')
  const [textFormat, setTextFormat] = useState<DocumentFormat>('text')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const counter = useRef(0)
  const target = indexes.some((i) => i.name === index) ? index : (indexes[0]?.name ?? 'default')

  const upload = async (files: File[]) => {
    let meta: Record<string, unknown> | undefined
    try {
      meta = jsonObject(metadata, 'metadata')
    } catch (exc) {
      setError(exc)
      return
    }
    setError(null)
    const queued = files.map((file) => ({ file, key: `u${++counter.current}`, format: formatOf(file.name, file.type) }))
    dispatch({ type: 'add', items: queued.map((q) => ({ key: q.key, name: q.file.name, size: q.file.size, format: q.format })) })
    // one at a time: each document is embedded by the model workers, which other work shares
    for (const { file, key, format } of queued) {
      if (format === null) continue
      try {
        dispatch({ type: 'phase', key, phase: 'reading' })
        const data = await readFile(file, format, (f) => dispatch({ type: 'phase', key, phase: 'reading', fraction: f }))
        const body = documentBody(target, file.name, format, data, meta)
        dispatch({ type: 'phase', key, phase: 'sending' })
        const added = await postWithProgress<DocumentAdded>('search/documents', body, (f) =>
          dispatch(f >= 1 ? { type: 'phase', key, phase: 'indexing' } : { type: 'phase', key, phase: 'sending', fraction: f }),
        )
        dispatch({ type: 'done', key, result: added })
      } catch (exc) {
        dispatch({ type: 'failed', key, error: errorText(exc) })
      }
    }
    onAdded()
  }

  const addText = async () => {
    setBusy(true)
    setError(null)
    try {
      const meta = jsonObject(metadata, 'metadata')
      const name = textName.trim() || 'pasted text'
      const added = await api.post<DocumentAdded>('search/documents', documentBody(target, name, textFormat, text, meta), 300000)
      toast.ok(`Added "${added.title || name}" (${added.chunks} chunks) to ${added.index}`)
      setText('')
      onAdded()
    } catch (exc) {
      setError(exc)
    } finally {
      setBusy(false)
    }
  }

  const summary = uploadSummary(items)
  return (
    <div className="form" data-testid="add-documents">
      <div className="form-row">
        <label>
          <span>index</span>
          <select name="index" value={target} onChange={(e) => setIndex(e.target.value)}>
            {indexes.map((i) => (
              <option key={i.name}>{i.name}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          <span>
            metadata <span className="muted">(optional JSON, added to each document; the file name is added too)</span>
          </span>
          <input name="metadata" value={metadata} onChange={(e) => setMetadata(e.target.value)} placeholder='{"topic": "manuals"}' spellCheck={false} />
        </label>
      </div>
      <label>
        <span>
          files <span className="muted">(text, Markdown, HTML, PDF; several at once)</span>
        </span>
        <input
          type="file"
          name="files"
          multiple
          accept={ACCEPTED_FILES}
          onChange={(e) => {
            const files = Array.from(e.target.files ?? [])
            e.target.value = ''
            if (files.length) void upload(files)
          }}
        />
      </label>
      {items.length ? (
        <div className="uploads">
          <div className="upload-summary small muted">
            {summary.done} of {summary.total} added{summary.failed ? `, ${summary.failed} failed` : ''}
            {summary.active ? ` · ${pct(summary.progress * 100)}` : ''}
            {summary.active === 0 ? (
              <Button size="sm" variant="ghost" onClick={() => dispatch({ type: 'clear' })}>
                Clear
              </Button>
            ) : null}
          </div>
          <ul className="upload-list" data-testid="uploads">
            {items.map((item) => (
              <UploadRow key={item.key} item={item} />
            ))}
          </ul>
        </div>
      ) : null}
      <label>
        <span>or paste text</span>
        <textarea name="text" rows={4} value={text} onChange={(e) => setText(e.target.value)} placeholder="A document to index…" />
      </label>
      <div className="form-row">
        <label className="grow">
          <span>
            name <span className="muted">(optional)</span>
          </span>
          <input name="text-name" value={textName} onChange={(e) => setTextName(e.target.value)} placeholder="pasted text" />
        </label>
        <label>
          <span>format</span>
          <select name="text-format" value={textFormat} onChange={(e) => setTextFormat(e.target.value as DocumentFormat)}>
            <option>text</option>
            <option>markdown</option>
            <option>html</option>
          </select>
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <div>
        <Button variant="primary" busy={busy} disabled={!text.trim()} onClick={() => void addText()} data-testid="add-text">
          Add text
        </Button>
      </div>
    </div>
  )
}

function SearchPlayground({ indexes }: { indexes: IndexInfo[] }) {
  const [query, setQuery] = useState('')
  const [index, setIndex] = useState(indexes[0]?.name ?? 'default')
  const [mode, setMode] = useState<SearchMode>('hybrid')
  const [k, setK] = useState('5')
  const [filters, setFilters] = useState('')
  const [backend, setBackend] = useState('')
  const [answer, setAnswer] = useState<SearchAnswer | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const target = indexes.some((i) => i.name === index) ? index : (indexes[0]?.name ?? 'default')

  const search = async () => {
    setBusy(true)
    setError(null)
    try {
      const body: Record<string, unknown> = { query, index: target, k: Number(k) }
      const parsed = jsonObject(filters, 'filters')
      if (parsed) body.filters = parsed
      if (backend && mode !== 'keyword') body.backend = backend
      setAnswer(await api.post<SearchAnswer>(`search/${mode}`, body, 120000))
    } catch (exc) {
      setAnswer(null)
      setError(exc)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div data-testid="search">
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          void search()
        }}
      >
        <div className="form-row">
          <label className="grow">
            <span>query</span>
            <input name="query" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="What are you looking for?" />
          </label>
          <label>
            <span>index</span>
            <select name="index" value={target} onChange={(e) => setIndex(e.target.value)}>
              {indexes.map((i) => (
                <option key={i.name}>{i.name}</option>
              ))}
            </select>
          </label>
          <label>
            <span>mode</span>
            <select name="mode" value={mode} onChange={(e) => setMode(e.target.value as SearchMode)}>
              {MODES.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            <span>k</span>
            <input name="k" type="number" min={1} max={100} value={k} onChange={(e) => setK(e.target.value)} className="narrow" />
          </label>
          <label>
            <span>vectors</span>
            <select name="backend" value={backend} onChange={(e) => setBackend(e.target.value)} disabled={mode === 'keyword'}>
              <option value="">index default</option>
              {BACKENDS.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-row">
          <label className="grow">
            <span>
              filters <span className="muted">(optional JSON on metadata: {'{"key": value or [values]}'})</span>
            </span>
            <input name="filters" value={filters} onChange={(e) => setFilters(e.target.value)} placeholder='{"filename": "notes.txt"}' spellCheck={false} />
          </label>
          <Button type="submit" variant="primary" busy={busy} disabled={!query.trim()}>
            Search
          </Button>
        </div>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {answer ? (
        <div className="detail" data-testid="search-answer">
          <div className="muted small search-meta">
            {answer.results.length} results · {answer.mode} · {answer.backend ?? 'full-text'} · {answer.shards_answered}/{answer.shards} shards
            answered · {ms(answer.took_ms)}
            {answer.partial ? (
              <>
                {' '}
                <Badge tone="warn">partial</Badge>
              </>
            ) : null}
          </div>
          {answer.results.length === 0 ? (
            <Empty>Nothing found.</Empty>
          ) : (
            <ol className="hits">
              {answer.results.map((hit) => (
                <li key={hit.chunk_id} className="hit" data-testid="hit" data-document-id={hit.document_id}>
                  <div className="hit-head">
                    <span className="score" title="score (higher is better)">
                      {hit.score.toFixed(4)}
                    </span>
                    {typeof hit.metadata?.filename === 'string' ? <strong>{hit.metadata.filename}</strong> : null}
                    <span className="muted small">
                      chunk {hit.chunk_id}
                      {hit.shard !== null && hit.shard !== undefined ? ` · shard ${hit.shard}` : ''}
                    </span>
                    <code className="muted small">{hit.document_id.slice(0, 8)}</code>
                  </div>
                  <div className="hit-text">{hit.text}</div>
                  {hit.metadata && Object.keys(hit.metadata).length ? (
                    <div className="muted small mono">{JSON.stringify(hit.metadata)}</div>
                  ) : null}
                </li>
              ))}
            </ol>
          )}
        </div>
      ) : null}
    </div>
  )
}

function Statistics({ stats }: { stats: SearchStats }) {
  const modes = Object.entries(stats.latency_ms)
  return (
    <div data-testid="search-stats">
      <table className="table">
        <thead>
          <tr>
            <th>index</th>
            <th className="num">documents</th>
            <th className="num">chunks</th>
            <th>shards</th>
            <th className="num">recall@10</th>
          </tr>
        </thead>
        <tbody>
          {stats.indexes.map((row) => (
            <tr key={row.name} data-index={row.name}>
              <td>
                <strong>{row.name}</strong>
              </td>
              <td className="num">{num(row.documents)}</td>
              <td className="num">{num(row.chunks)}</td>
              <td>
                <div className="shard-states">
                  {row.shard_status.map((s, n) => (
                    <Badge key={n} status={String(s.state ?? 'unknown') === 'ready' ? 'ready' : String(s.state ?? 'unknown')}>
                      {n}: {typeof s.vectors === 'number' ? `${num(s.vectors)} vectors` : String(s.state ?? 'unknown')}
                    </Badge>
                  ))}
                </div>
              </td>
              <td className="num">{row.recall_at_10 === null ? '–' : pct(row.recall_at_10 * 100, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="kv kv-wide">
        <span>search latency</span>
        <span>
          {modes.length === 0
            ? 'no searches yet'
            : modes.map(([mode, p]) => (
                <span key={mode} className="latency">
                  {mode}: p50 {ms(p.p50)} · p95 {ms(p.p95)} · p99 {ms(p.p99)} ({num(p.count)} searches)
                </span>
              ))}
        </span>
        <span>on disk</span>
        <span>
          {Object.entries(stats.sizes)
            .map(([what, size]) => `${what.replace(/_bytes$/, '')} ${bytes(size)}`)
            .join(' · ')}
        </span>
        <span>added</span>
        <span>{num(stats.documents_added)} documents since the service started</span>
      </div>
    </div>
  )
}

export default function KnowledgePage() {
  const indexes = useResource(() => api.get<{ indexes: IndexInfo[] }>('search/indexes'), [], 15000)
  const stats = useResource(() => api.get<SearchStats>('search/stats'), [])
  const reloadIndexes = indexes.reload
  const reloadStats = stats.reload
  const reload = useCallback(() => {
    void reloadIndexes()
    void reloadStats()
  }, [reloadIndexes, reloadStats])
  useTopic(
    'knowledge',
    useCallback(
      (frame: WsFrame) => {
        if (['index_created', 'index_deleted', 'document_added', 'document_deleted'].includes(frame.type)) void reloadIndexes()
      },
      [reloadIndexes],
    ),
  )

  const remove = async (index: IndexInfo) => {
    try {
      await api.del(`search/indexes/${enc(index.name)}`)
      toast.ok(`Deleted index ${index.name}`)
    } catch (exc) {
      toast.bad(`Delete ${index.name}: ${errorText(exc)}`)
    }
    reload()
  }

  if (indexes.error instanceof ApiError && indexes.error.unavailable && !indexes.data) {
    return (
      <div className="page" data-testid="page-knowledge">
        <header className="page-head">
          <div>
            <h1>Knowledge</h1>
          </div>
        </header>
        <Loaded resource={indexes} what="The search API">
          {() => null}
        </Loaded>
      </div>
    )
  }

  const list = indexes.data?.indexes ?? []
  const totals = stats.data
  return (
    <div className="page" data-testid="page-knowledge">
      <header className="page-head">
        <div>
          <h1>Knowledge</h1>
          <p className="muted">Search indexes sharded over FAISS actors under supervisor/knowledge, with pgvector and full-text search on the same rows.</p>
        </div>
      </header>

      {totals ? (
        <div className="stats-row" data-testid="knowledge-summary">
          <Stat label="indexes" value={totals.indexes.length} />
          <Stat label="documents" value={num(totals.documents)} />
          <Stat label="chunks" value={num(totals.chunks)} />
          <Stat
            label="search p50"
            value={ms(totals.latency_ms.hybrid?.p50 ?? totals.latency_ms.semantic?.p50 ?? totals.latency_ms.keyword?.p50)}
            sub={totals.latency_ms.hybrid ? 'hybrid' : undefined}
          />
        </div>
      ) : null}

      <div className="grid-side">
        <Card title="Indexes" actions={<Button size="sm" variant="ghost" onClick={reload}>Refresh</Button>}>
          <Loaded resource={indexes} what="The index list">
            {({ indexes: rows }) =>
              rows.length === 0 ? (
                <Empty>No indexes. Create one with the form.</Empty>
              ) : (
                <table className="table" data-testid="indexes">
                  <thead>
                    <tr>
                      <th>index</th>
                      <th>type</th>
                      <th className="num">shards</th>
                      <th>backend</th>
                      <th className="num">documents</th>
                      <th className="num">chunks</th>
                      <th>created</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((index) => (
                      <tr key={index.name} data-index={index.name}>
                        <td>
                          <strong>{index.name}</strong>
                          <div className="muted small">{index.dimensions} dimensions</div>
                        </td>
                        <td>
                          {index.type}
                          {Object.keys(index.params ?? {}).length ? <div className="muted small mono params">{JSON.stringify(index.params)}</div> : null}
                        </td>
                        <td className="num">{index.shards}</td>
                        <td>{index.backend}</td>
                        <td className="num">{num(index.documents)}</td>
                        <td className="num">{num(index.chunks)}</td>
                        <td className="muted small">{ago(index.created_at)}</td>
                        <td>
                          <ConfirmButton size="sm" confirmLabel="Delete?" onConfirm={() => remove(index)} data-testid={`delete-index-${index.name}`}>
                            Delete
                          </ConfirmButton>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
        </Card>
        <Card title="Create an index">
          <CreateIndex onCreated={reload} />
        </Card>
      </div>

      {list.length ? (
        <>
          <Card title="Search">
            <SearchPlayground indexes={list} />
          </Card>
          <Card title="Add documents">
            <AddDocuments indexes={list} onAdded={reload} />
          </Card>
        </>
      ) : null}

      <Card
        title="Statistics"
        actions={
          <Button size="sm" variant="ghost" onClick={() => void reloadStats()}>
            Measure again
          </Button>
        }
      >
        <Loaded resource={stats} what="Search statistics">
          {(s) => <Statistics stats={s} />}
        </Loaded>
      </Card>
    </div>
  )
}
