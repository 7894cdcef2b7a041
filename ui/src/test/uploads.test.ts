import { describe, expect, it } from 'vitest'
import { base64Of, documentBody, formatOf, uploadReducer, uploadSummary, type UploadItem } from '../lib/uploads'

describe('document formats', () => {
  it('picks the documents API format by extension, then MIME type', () => {
    expect(formatOf('notes.txt')).toBe('text')
    expect(formatOf('README.MD')).toBe('markdown')
    expect(formatOf('page.htm')).toBe('html')
    expect(formatOf('paper.pdf')).toBe('pdf')
    expect(formatOf('download', 'application/pdf')).toBe('pdf')
    expect(formatOf('data', 'text/csv')).toBe('text')
    expect(formatOf('photo.png', 'image/png')).toBeNull()
  })

  it('sends text as content and PDFs as base64 bytes, with the file name in the metadata', () => {
    expect(documentBody('docs', 'a.md', 'markdown', '# Title', { topic: 't' })).toEqual({
      index: 'docs',
      format: 'markdown',
      filename: 'a.md',
      metadata: { topic: 't', filename: 'a.md' },
      content: '# Title',
    })
    const pdf = new TextEncoder().encode('%PDF-1.4 bytes').buffer
    const body = documentBody('docs', 'a.pdf', 'pdf', pdf)
    expect(body.content).toBeUndefined()
    expect(atob(body.content_base64!)).toBe('%PDF-1.4 bytes')
  })

  it('encodes large buffers (past the argument limit of fromCharCode)', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251)
    const decoded = Uint8Array.from(atob(base64Of(bytes.buffer)), (c) => c.charCodeAt(0))
    expect(decoded).toEqual(bytes)
  })
})

describe('upload progress', () => {
  const add = (items: UploadItem[] = []) =>
    uploadReducer(items, {
      type: 'add',
      items: [
        { key: 'a', name: 'a.txt', size: 10, format: 'text' },
        { key: 'b', name: 'b.html', size: 20, format: 'html' },
        { key: 'c', name: 'c.png', size: 30, format: null },
      ],
    })

  it('queues supported files and fails the others at once, saying why', () => {
    const items = add()
    expect(items.map((i) => [i.key, i.phase, i.progress])).toEqual([
      ['a', 'queued', 0],
      ['b', 'queued', 0],
      ['c', 'failed', 1],
    ])
    expect(items[2].error).toMatch(/not a text, Markdown, HTML or PDF/)
  })

  it('moves through reading, sending and indexing to done, never backwards', () => {
    let items = add()
    items = uploadReducer(items, { type: 'phase', key: 'a', phase: 'reading', fraction: 1 })
    expect(items[0]).toMatchObject({ phase: 'reading', progress: 0.1 })
    items = uploadReducer(items, { type: 'phase', key: 'a', phase: 'sending', fraction: 0.5 })
    expect(items[0].progress).toBeCloseTo(0.5)
    items = uploadReducer(items, { type: 'phase', key: 'a', phase: 'sending', fraction: 0.25 }) // a late progress event
    expect(items[0].progress).toBeCloseTo(0.5)
    items = uploadReducer(items, { type: 'phase', key: 'a', phase: 'indexing' })
    expect(items[0]).toMatchObject({ phase: 'indexing', progress: 0.9 })
    const result = { id: 'd1', index: 'docs', shard: 1, chunks: 2, format: 'text', chars: 10, indexed: true, took_ms: 5 }
    items = uploadReducer(items, { type: 'done', key: 'a', result })
    expect(items[0]).toMatchObject({ phase: 'done', progress: 1, result })
    // a finished upload ignores stray progress
    expect(uploadReducer(items, { type: 'phase', key: 'a', phase: 'sending', fraction: 0 })[0].phase).toBe('done')
    expect(items[1].phase).toBe('queued') // the others are untouched
  })

  it('summarises, and clears only what is finished', () => {
    let items = add()
    items = uploadReducer(items, { type: 'failed', key: 'b', error: 'content: the document is empty' })
    items = uploadReducer(items, { type: 'phase', key: 'a', phase: 'sending', fraction: 0.5 })
    const summary = uploadSummary(items)
    expect(summary).toMatchObject({ total: 3, done: 0, failed: 2, active: 1 })
    expect(summary.progress).toBeCloseTo((0.5 + 1 + 1) / 3)
    expect(uploadReducer(items, { type: 'clear' }).map((i) => i.key)).toEqual(['a'])
  })
})
