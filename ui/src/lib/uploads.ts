// Documents uploaded to a search index: which format a file is, how it goes into the JSON
// body of POST /search/documents, and the per-file progress the Knowledge page shows.
import type { DocumentAdded } from './types'

export type DocumentFormat = 'text' | 'markdown' | 'html' | 'pdf'

const BY_EXTENSION: Record<string, DocumentFormat> = {
  txt: 'text',
  text: 'text',
  log: 'text',
  csv: 'text',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
}

export const ACCEPTED_FILES = '.txt,.text,.log,.csv,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf'

/** The documents API's format for a file (by extension, then by MIME type); null: not one it parses. */
export function formatOf(name: string, mime = ''): DocumentFormat | null {
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : ''
  if (BY_EXTENSION[ext]) return BY_EXTENSION[ext]
  if (mime === 'application/pdf') return 'pdf'
  if (mime === 'text/html') return 'html'
  if (mime === 'text/markdown') return 'markdown'
  if (mime.startsWith('text/')) return 'text'
  return null
}

export interface DocumentBody {
  index: string
  format: DocumentFormat
  filename: string
  metadata: Record<string, unknown>
  content?: string
  content_base64?: string
}

/** The request body: text formats as `content`, PDFs as `content_base64` (bytes). */
export function documentBody(
  index: string,
  name: string,
  format: DocumentFormat,
  data: string | ArrayBuffer,
  metadata: Record<string, unknown> = {},
): DocumentBody {
  const body: DocumentBody = { index, format, filename: name, metadata: { ...metadata, filename: name } }
  if (typeof data === 'string') body.content = data
  else body.content_base64 = base64Of(data)
  return body
}

export function base64Of(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer)
  let binary = ''
  const step = 0x8000 // String.fromCharCode takes a bounded number of arguments
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step))
  return btoa(binary)
}

// ---- progress ---------------------------------------------------------------------------

// reading the file -> sending the request body -> the server parses, chunks and embeds -> done
export type UploadPhase = 'queued' | 'reading' | 'sending' | 'indexing' | 'done' | 'failed'

export interface UploadItem {
  key: string
  name: string
  size: number
  format: DocumentFormat | null
  phase: UploadPhase
  progress: number // 0..1 over all phases
  result?: DocumentAdded
  error?: string
}

// Where each phase starts on the progress bar: sending is the long, measured part.
const PHASE_START: Record<UploadPhase, number> = { queued: 0, reading: 0, sending: 0.1, indexing: 0.9, done: 1, failed: 1 }
const PHASE_END: Record<UploadPhase, number> = { queued: 0, reading: 0.1, sending: 0.9, indexing: 0.9, done: 1, failed: 1 }

export type UploadAction =
  | { type: 'add'; items: { key: string; name: string; size: number; format: DocumentFormat | null }[] }
  | { type: 'phase'; key: string; phase: 'reading' | 'sending' | 'indexing'; fraction?: number }
  | { type: 'done'; key: string; result: DocumentAdded }
  | { type: 'failed'; key: string; error: string }
  | { type: 'clear' }

export function uploadReducer(items: UploadItem[], action: UploadAction): UploadItem[] {
  switch (action.type) {
    case 'add':
      return [
        ...items,
        ...action.items.map((i) =>
          i.format === null
            ? { ...i, phase: 'failed' as const, progress: 1, error: 'not a text, Markdown, HTML or PDF file' }
            : { ...i, phase: 'queued' as const, progress: 0 },
        ),
      ]
    case 'phase':
      return update(items, action.key, (item) => {
        if (item.phase === 'done' || item.phase === 'failed') return item
        const f = Math.max(0, Math.min(1, action.fraction ?? 0))
        const at = PHASE_START[action.phase] + (PHASE_END[action.phase] - PHASE_START[action.phase]) * f
        return { ...item, phase: action.phase, progress: Math.max(item.progress, at) }
      })
    case 'done':
      return update(items, action.key, (item) => ({ ...item, phase: 'done', progress: 1, result: action.result, error: undefined }))
    case 'failed':
      return update(items, action.key, (item) => ({ ...item, phase: 'failed', progress: 1, error: action.error }))
    case 'clear':
      return items.filter((i) => i.phase !== 'done' && i.phase !== 'failed')
  }
}

function update(items: UploadItem[], key: string, change: (item: UploadItem) => UploadItem): UploadItem[] {
  return items.map((item) => (item.key === key ? change(item) : item))
}

export function uploadSummary(items: UploadItem[]): { total: number; done: number; failed: number; active: number; progress: number } {
  const done = items.filter((i) => i.phase === 'done').length
  const failed = items.filter((i) => i.phase === 'failed').length
  const progress = items.length ? items.reduce((sum, i) => sum + i.progress, 0) / items.length : 0
  return { total: items.length, done, failed, active: items.length - done - failed, progress }
}
