import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setConfig } from '../lib/config'
import { useToasts } from '../lib/toast'
import { citationOf, linkCitations, mergeLines, researchBody, stepSeconds, type WorkflowLogLine, type WorkflowStatusView, type WorkflowSummary } from '../lib/workflows'
import type { WsFrame } from '../lib/ws'
import WorkflowsPage from '../pages/WorkflowsPage'

const live = vi.hoisted(() => ({ listeners: new Map<string, (f: any) => void>() }))
vi.mock('../lib/socket', () => ({
  useTopic: (topic: string, listener: (f: any) => void) => live.listeners.set(topic, listener),
  socket: () => null,
}))

const line = (seq: number, step: string | null, message: string): WorkflowLogLine => ({ workflow_id: 'wf-1', seq, at: '2026-12-04T22:00:00+00:00', step, level: 'info', message })

describe('workflow data shaping', () => {
  it('merges log lines by sequence number, each once', () => {
    const a = [line(1, 'plan', 'a'), line(2, 'plan', 'b')]
    expect(mergeLines(a, [line(2, 'plan', 'b'), line(4, 'gather', 'd'), line(3, 'plan', 'c')]).map((l) => l.seq)).toEqual([1, 2, 3, 4])
    expect(mergeLines(a, [])).toBe(a)
  })

  it("links the report's citation markers that are citations, drops its raw anchors", () => {
    const md = 'Ray restarts actors [1]. See [2] and [9].\n\n1. <a id="source-1"></a>**notes.txt**\n[link](http://x) [1](http://y)'
    const out = linkCitations(md, [{ number: 1 }, { number: 2 }])
    expect(out).toContain('actors [\\[1\\]](#cite-1).')
    expect(out).toContain('See [\\[2\\]](#cite-2) and [9].')
    expect(out).not.toContain('<a id=')
    expect(out).toContain('[1](http://y)') // a real link stays
    expect(citationOf('#cite-12')).toBe(12)
    expect(citationOf('http://x')).toBeNull()
  })

  it('builds the start body, naming a bad field', () => {
    const fields = { question: '  What restarts actors?  ', index: 'docs', mode: 's3_rag', model: '', max_sub_questions: '2', search_k: '', answer_max_tokens: '64', urls: '', document: '' }
    expect(researchBody(fields)).toEqual({ question: 'What restarts actors?', index: 'docs', mode: 's3_rag', limits: { max_sub_questions: 2, answer_max_tokens: 64 } })
    expect(researchBody({ ...fields, urls: 'https://a.example/x\nhttp://b.example', document: '# Notes' })).toMatchObject({
      urls: ['https://a.example/x', 'http://b.example'],
      documents: [{ content: '# Notes', format: 'markdown' }],
    })
    expect(() => researchBody({ ...fields, question: 'a' })).toThrow('question')
    expect(() => researchBody({ ...fields, search_k: '0' })).toThrow('limits.search_k')
    expect(() => researchBody({ ...fields, urls: 'ftp://x' })).toThrow('urls')
    expect(stepSeconds({ started_at: '2026-12-04T22:00:00Z', completed_at: '2026-12-04T22:00:02.5Z' })).toBe(2.5)
    expect(stepSeconds({ started_at: '2026-12-04T22:00:00Z', completed_at: null })).toBeNull()
  })
})

const summary = (status: WorkflowSummary['status'], extra: Partial<WorkflowSummary> = {}): WorkflowSummary => ({
  workflow_id: 'wf-1', name: 'research-analysis', status, question: 'Why do supervisors restart actors?', index: 'default', model: 'smollm2:135m', mode: 's3_rag',
  created_at: '2026-12-04T22:00:00+00:00', updated_at: null, error: null, has_report: status === 'completed', ...extra,
})
const statusView = (status: WorkflowSummary['status'], steps: WorkflowStatusView['steps'], current: string | null, progress: number): WorkflowStatusView => ({
  workflow: summary(status), steps, current_step: current, progress,
})
const step = (id: number, name: string, status: string, extra: Record<string, unknown> = {}) => ({
  step_id: id, name, status, started_at: '2026-12-04T22:00:00Z', completed_at: status === 'completed' ? '2026-12-04T22:00:01Z' : null, error: null, summary: null, ...extra,
})
const report = {
  report_id: 'r1', title: 'Research report', sub_questions: ['What is a supervisor?'], created_at: '2026-12-04T22:01:00+00:00',
  markdown: '# Research report\n\n## Findings\n\n- Supervisors restart crashed children [1].\n\n## Sources\n\n1. <a id="source-1"></a>**otp.md** (`p1`): "restart"\n',
  citations: [{ number: 1, passage_id: 'p1', document_id: 'd1', source: 'otp.md', excerpt: 'A supervisor restarts its children.' }],
}

type Answer = { status?: number; body: unknown }
let answers: Record<string, Answer>
let requests: { method: string; path: string; body: unknown }[]
let state: { status: WorkflowStatusView; logs: WorkflowLogLine[]; result: unknown }

beforeEach(() => {
  live.listeners.clear()
  setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/ws' })
  requests = []
  state = {
    status: statusView('running', [step(1, 'plan', 'completed', { summary: '1 sub-question' }), step(2, 'gather', 'running')], 'gather', 0.3),
    logs: [line(1, 'plan', 'planning'), line(2, 'plan', '1 sub-question')],
    result: { workflow: summary('running'), report: null },
  }
  answers = {
    workflows: { body: () => ({ workflows: [state.status.workflow, summary('failed', { workflow_id: 'wf-0', question: 'Older question?' })], total: 2 }) },
    'search/indexes': { body: { indexes: [{ name: 'default' }, { name: 'docs' }] } },
    'POST workflows/research-analysis': { status: 202, body: () => state.status.workflow },
    'workflows/research-analysis/wf-1/status': { body: () => state.status },
    'workflows/research-analysis/wf-1/result': { body: () => state.result },
    'workflows/wf-1/logs': { body: () => ({ workflow_id: 'wf-1', lines: state.logs }) },
    'POST workflows/stop/wf-1': { body: () => ((state.status = { ...state.status, workflow: summary('cancelled') }), state.status.workflow) },
    'POST workflows/retry/wf-1': { status: 202, body: () => ((state.status = { ...state.status, workflow: summary('running') }), state.status.workflow) },
  }
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const u = new URL(url)
    const path = u.pathname.replace('/api/v1/', '')
    const method = init?.method ?? 'GET'
    requests.push({ method, path: path + u.search, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    if (path.endsWith('/result') && u.searchParams.get('format') === 'markdown') return new Response(report.markdown, { headers: { 'content-type': 'text/markdown' } })
    const answer = answers[`${method} ${path}`] ?? answers[path]
    if (!answer) return new Response(JSON.stringify({ code: 'http_404', message: `no such path: /api/v1/${path}` }), { status: 404 })
    return new Response(JSON.stringify(typeof answer.body === 'function' ? answer.body() : answer.body), { status: answer.status ?? 200 })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  useToasts.setState({ toasts: [] })
})

async function startOne() {
  render(<WorkflowsPage />)
  const form = await screen.findByTestId('start-research')
  fireEvent.change(form.querySelector('textarea[name="question"]')!, { target: { value: 'Why do supervisors restart actors?' } })
  await waitFor(() => expect(form.querySelectorAll('select[name="index"] option')).toHaveLength(3))
  fireEvent.change(form.querySelector('select[name="index"]')!, { target: { value: 'docs' } })
  fireEvent.change(form.querySelector('input[name="max_sub_questions"]')!, { target: { value: '1' } })
  fireEvent.submit(form)
  return screen.findByTestId('workflow')
}

describe('Workflows page', () => {
  it('starts a research analysis and shows its step timeline and logs', async () => {
    const panel = await startOne()
    expect(requests.find((r) => r.method === 'POST')).toEqual({
      method: 'POST', path: 'workflows/research-analysis', body: { question: 'Why do supervisors restart actors?', index: 'docs', limits: { max_sub_questions: 1 } },
    })
    expect(panel.dataset.status).toBe('running')
    expect(screen.getAllByTestId('step').map((s) => [s.dataset.step, s.dataset.status])).toEqual([
      ['plan', 'completed'],
      ['gather', 'running'],
    ])
    await waitFor(() => expect(screen.getByTestId('logs').dataset.lines).toBe('2'))
    expect(screen.getByTestId('stop-workflow')).toBeTruthy()
  })

  it('follows live log lines and the end, then renders the report with clickable citations and exports it', async () => {
    await startOne()
    const listener = live.listeners.get('workflows')!
    act(() => listener({ type: 'workflow_log', data: line(3, 'gather', '4 passages') } as WsFrame))
    act(() => listener({ type: 'workflow_log', data: line(3, 'gather', '4 passages') } as WsFrame)) // once
    act(() => listener({ type: 'workflow_log', data: { ...line(9, 'x', 'other'), workflow_id: 'wf-2' } } as WsFrame)) // another workflow's
    await waitFor(() => expect(screen.getByTestId('logs').dataset.lines).toBe('3'))
    state.status = statusView('completed', [step(1, 'plan', 'completed'), step(2, 'gather', 'completed'), step(3, 'synthesise', 'completed'), step(4, 'store', 'completed')], null, 1)
    state.result = { workflow: summary('completed'), report }
    act(() => listener({ type: 'workflow_finished', data: { workflow_id: 'wf-1', status: 'completed', error: null } } as WsFrame))
    const shown = await screen.findByTestId('report')
    expect(screen.getByTestId('workflow').dataset.status).toBe('completed')
    expect(screen.queryByTestId('stop-workflow')).toBeNull()
    expect(shown.querySelector('h1')?.textContent).toBe('Research report')
    expect(shown.textContent).not.toContain('<a id=')
    const marker = shown.querySelector('a[href="#cite-1"]')!
    expect(marker.textContent).toBe('[1]')
    fireEvent.click(marker)
    await waitFor(() => expect(screen.getByTestId('citation').className).toContain('active'))
    expect(screen.getByTestId('citation').textContent).toContain('A supervisor restarts its children.')
    // exports: the Markdown as the API gives it, the JSON of the result
    const saved: { name: string; blob: Blob }[] = []
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, blob: (URL.createObjectURL as any).mock.calls.at(-1)[0] })
    })
    fireEvent.click(screen.getByTestId('export-markdown'))
    await waitFor(() => expect(saved.map((s) => s.name)).toEqual(['research-wf-1.md']))
    expect(await saved[0].blob.text()).toBe(report.markdown)
    expect(requests.some((r) => r.path === 'workflows/research-analysis/wf-1/result?format=markdown')).toBe(true)
    fireEvent.click(screen.getByTestId('export-json'))
    expect(saved[1].name).toBe('research-wf-1.json')
    expect(JSON.parse(await saved[1].blob.text()).report.citations[0].passage_id).toBe('p1')
  })

  it('stops a running workflow and retries it', async () => {
    await startOne()
    fireEvent.click(screen.getByTestId('stop-workflow'))
    await waitFor(() => expect(screen.getByTestId('workflow').dataset.status).toBe('cancelled'))
    expect(requests.some((r) => r.method === 'POST' && r.path === 'workflows/stop/wf-1')).toBe(true)
    fireEvent.click(screen.getByTestId('retry-workflow'))
    await waitFor(() => expect(screen.getByTestId('workflow').dataset.status).toBe('running'))
    expect(requests.some((r) => r.method === 'POST' && r.path === 'workflows/retry/wf-1')).toBe(true)
  })

  it("lists the workflows, opens one, and shows the API's refusal naming the field", async () => {
    answers['POST workflows/research-analysis'] = { status: 404, body: { code: 'not_found', message: "index 'nope' does not exist", field: 'index' } }
    render(<WorkflowsPage />)
    const items = await screen.findAllByTestId('workflow-item')
    expect(items.map((i) => [i.dataset.workflowId, i.dataset.status])).toEqual([
      ['wf-1', 'running'],
      ['wf-0', 'failed'],
    ])
    fireEvent.click(items[0])
    await waitFor(() => expect(screen.getByTestId('workflow').dataset.workflowId).toBe('wf-1'))
    const form = screen.getByTestId('start-research')
    fireEvent.change(form.querySelector('textarea[name="question"]')!, { target: { value: 'Anything?' } })
    fireEvent.submit(form)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain("index 'nope' does not exist (index)"))
  })

  it('says when the workflows API is not on this platform', async () => {
    answers = {}
    render(<WorkflowsPage />)
    await waitFor(() => expect(screen.getByTestId('not-available').textContent).toContain('The workflows API is not available'))
  })
})
