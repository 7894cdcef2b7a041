import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../lib/config'
import { pageOf } from '../lib/router'

describe('runtime config', () => {
  it('calls the API and the WebSocket under the base path the gateway injects', () => {
    const cfg = resolveConfig({}, { basePath: '/pygent/' }, 'http://host:8000/pygent/system')
    expect(cfg).toEqual({ basePath: '/pygent/', apiBase: 'http://host:8000/pygent/', wsUrl: 'ws://host:8000/pygent/ws' })
  })

  it('falls back to the document base (a <base href>) and to the root', () => {
    expect(resolveConfig({}, undefined, 'http://h/pygent/').basePath).toBe('/pygent/')
    expect(resolveConfig({}, undefined, 'http://h/').apiBase).toBe('http://h/')
  })

  it('lets build-time env point at an API elsewhere (https gives wss)', () => {
    const cfg = resolveConfig({ VITE_API_BASE_URL: 'https://api.example.com/p' }, { basePath: '/' }, 'http://ui/')
    expect(cfg.apiBase).toBe('https://api.example.com/p/')
    expect(cfg.wsUrl).toBe('wss://api.example.com/p/ws')
  })
})

describe('router', () => {
  it('maps paths under the base path to pages, unknown ones to chat', () => {
    expect(pageOf('/pygent/system', '/pygent/')).toEqual({ page: 'system', rest: '' })
    expect(pageOf('/pygent/mcp-servers/time', '/pygent/')).toEqual({ page: 'mcp', rest: 'time' })
    // /mcp is the gateway's MCP endpoint, not a UI page
    expect(pageOf('/mcp', '/')).toEqual({ page: 'chat', rest: '' })
    expect(pageOf('/pygent/', '/pygent/')).toEqual({ page: 'chat', rest: '' })
    expect(pageOf('/models', '/')).toEqual({ page: 'models', rest: '' })
    expect(pageOf('/nope', '/')).toEqual({ page: 'chat', rest: '' })
  })
})
