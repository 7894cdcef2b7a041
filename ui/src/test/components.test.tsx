import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Markdown } from '../components/Markdown'
import { SupervisionTree } from '../components/SupervisionTree'
import { ConnectionIndicator } from '../components/ConnectionIndicator'
import { ErrorBoundary } from '../components/ErrorBoundary'
import { Loaded } from '../components/ui'
import { ApiError } from '../lib/api'
import { setConfig } from '../lib/config'
import { useConnection } from '../lib/socket'
import type { ChildStatus } from '../lib/types'

const node = (address: string, extra: Partial<ChildStatus> = {}): ChildStatus => ({
  address,
  kind: 'worker',
  state: 'running',
  restarts: 0,
  restart_type: 'permanent',
  children: [],
  ...extra,
})

const tree: ChildStatus = node('supervisor/root', {
  kind: 'supervisor',
  strategy: 'one_for_one',
  children: [
    node('store/main', { uptime_s: 125, pid: 42, node_ip: '10.0.0.1' }),
    node('monitor/main', { restarts: 2, last_exit: { kind: 'killed', detail: 'ray.kill' } }),
    node('supervisor/agents', { kind: 'supervisor', strategy: 'simple_one_for_one', children: [node('agent/a1', { state: 'restarting' })] }),
  ],
})

describe('SupervisionTree', () => {
  it('shows every node with its state and restart count, nested', () => {
    render(<SupervisionTree node={tree} />)
    const rows = screen.getAllByTestId('tree-row')
    expect(rows.map((r) => r.dataset.address)).toEqual(['supervisor/root', 'store/main', 'monitor/main', 'supervisor/agents', 'agent/a1'])
    const monitor = rows[2]
    expect(monitor.dataset.restarts).toBe('2')
    expect(monitor.textContent).toContain('killed')
    expect(rows[4].getAttribute('aria-level')).toBe('3')
    expect(rows[4].querySelector('[data-status]')?.getAttribute('data-status')).toBe('restarting')
    expect(rows[1].textContent).toContain('2m 5s')
  })

  it('kills a child only after a second click, and never offers to kill the root', async () => {
    const onKill = vi.fn(async () => {})
    render(<SupervisionTree node={tree} onKill={onKill} />)
    expect(screen.queryByTestId('kill-supervisor/root')).toBeNull()
    const button = screen.getByTestId('kill-monitor/main')
    fireEvent.click(button)
    expect(onKill).not.toHaveBeenCalled()
    expect(button.textContent).toBe('Kill?')
    await act(async () => {
      fireEvent.click(button)
    })
    expect(onKill).toHaveBeenCalledWith('monitor/main')
  })
})

describe('Loaded', () => {
  const base = { data: null, error: null, loading: false, reload: () => {} }

  it('says a backend is not available on 404, without rendering content', () => {
    const error = new ApiError(404, 'not_found', 'no such path: /api/v1/mcp/servers')
    render(<Loaded resource={{ ...base, error }} what="The MCP API">{() => <p>content</p>}</Loaded>)
    expect(screen.getByTestId('not-available').textContent).toContain('The MCP API is not available')
    expect(screen.getByTestId('not-available').textContent).toContain('404')
    expect(screen.queryByText('content')).toBeNull()
  })

  it('shows other errors with a retry, and keeps the last data on a failed refresh', () => {
    const reload = vi.fn()
    const { rerender } = render(
      <Loaded resource={{ ...base, error: new ApiError(422, 'validation_error', 'bad k', 'query.k'), reload }} what="x">
        {() => <p>content</p>}
      </Loaded>,
    )
    expect(screen.getByRole('alert').textContent).toContain('bad k (query.k)')
    fireEvent.click(screen.getByText('Retry'))
    expect(reload).toHaveBeenCalled()
    rerender(
      <Loaded resource={{ ...base, data: { n: 1 }, error: new ApiError(0, 'network', 'not reachable') }} what="x">
        {(d) => <p>n={d.n}</p>}
      </Loaded>,
    )
    expect(screen.getByText('n=1')).toBeTruthy()
    expect(screen.getByRole('alert').textContent).toContain('not reachable')
  })

  it('shows a spinner while loading', () => {
    render(<Loaded resource={{ ...base, loading: true }} what="the tree">{() => null}</Loaded>)
    expect(screen.getByRole('status')).toBeTruthy()
    expect(screen.getByText(/Loading the tree/)).toBeTruthy()
  })
})

describe('Markdown', () => {
  it('renders code blocks with their language and does not render raw HTML', () => {
    const { container } = render(<Markdown text={'Use **this**:\n\n```python\nprint(1)\n```\n\n<img src=x onerror=alert(1)>'} />)
    expect(container.querySelector('strong')?.textContent).toBe('this')
    expect(container.querySelector('.codeblock-head span')?.textContent).toBe('python')
    expect(container.querySelector('pre code')?.textContent).toBe('print(1)\n')
    expect(container.querySelector('img')).toBeNull()
  })

  it('highlights a block that names its language, and leaves others plain', () => {
    const text = '```python\ndef f(x):\n    return "hi"  # note\n```\n\n```klingon\nqapla\n```\n\n```\nplain\n```'
    const { container } = render(<Markdown text={text} />)
    const [python, unknown, bare] = Array.from(container.querySelectorAll('pre code'))
    expect(python.classList.contains('hljs')).toBe(true)
    expect(python.querySelector('.hljs-keyword')?.textContent).toBe('def')
    expect(python.querySelector('.hljs-string')?.textContent).toBe('"hi"')
    expect(python.querySelector('.hljs-comment')?.textContent).toBe('# note')
    expect(python.textContent).toBe('def f(x):\n    return "hi"  # note\n')
    expect(unknown.querySelector('[class^="hljs-"]')).toBeNull()
    expect(unknown.textContent).toBe('qapla\n')
    expect(bare.querySelector('[class^="hljs-"]')).toBeNull()
  })
})

describe('ConnectionIndicator', () => {
  afterEach(() => useConnection.setState({ status: 'idle', attempt: 0, nextRetryAt: null, clientId: null }))

  it('follows the socket state and counts down to the next retry', async () => {
    setConfig({ basePath: '/', apiBase: 'http://127.0.0.1:9/', wsUrl: 'ws://127.0.0.1:9/ws' })
    useConnection.setState({ status: 'open' })
    render(<ConnectionIndicator />)
    expect(screen.getByTestId('connection').dataset.status).toBe('open')
    expect(screen.getByTestId('connection').textContent).toContain('Live')
    act(() => useConnection.setState({ status: 'reconnecting', attempt: 3, nextRetryAt: Date.now() + 4000 }))
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toMatch(/Reconnecting\s*try 3 · [34]s/))
  })
})

describe('ErrorBoundary', () => {
  it('contains a page that throws while rendering', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const Broken = () => {
      throw new Error('boom')
    }
    render(
      <ErrorBoundary label="System">
        <Broken />
      </ErrorBoundary>,
    )
    expect(screen.getByRole('alert').textContent).toContain('System failed to render')
    expect(screen.getByRole('alert').textContent).toContain('boom')
    spy.mockRestore()
  })
})
