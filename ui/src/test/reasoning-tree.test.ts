import { describe, expect, it } from 'vitest'
import {
  applyNodeEvent,
  bestPathEdges,
  counts,
  emptyTree,
  layoutInput,
  layoutTree,
  mergeTree,
  sessionsReducer,
  valueColor,
  type SessionTree,
} from '../lib/reasoning'
import type { NodeEvent, ReasoningTree, ThoughtNode } from '../lib/reasoningTypes'

const node = (id: string, parent: string | null, extra: Partial<ThoughtNode> = {}): ThoughtNode => ({
  id,
  parent_id: parent,
  depth: parent === null ? 0 : Number(id.split('.').length - 1),
  thought: parent === null ? '' : `step ${id}`,
  state: `state ${id}`,
  value: null,
  status: 'created',
  terminal: false,
  expanded: false,
  passage_ids: [],
  note: null,
  ...extra,
})

// A Game-of-24-like session as the engine streams it: the root, two children proposed and
// valued, one kept and one pruned, then a grandchild of the kept one.
const STREAM: [NodeEvent, ThoughtNode][] = [
  ['created', node('r', null)],
  ['created', node('r.a', 'r', { thought: '4 + 8 = 12 (left: 6 12)' })],
  ['created', node('r.b', 'r', { thought: '9 - 6 = 3 (left: 3 4 8)' })],
  ['evaluated', node('r.a', 'r', { thought: '4 + 8 = 12 (left: 6 12)', value: 20, status: 'evaluated' })],
  ['evaluated', node('r.b', 'r', { thought: '9 - 6 = 3 (left: 3 4 8)', value: 0.001, status: 'evaluated' })],
  ['selected', node('r.a', 'r', { thought: '4 + 8 = 12 (left: 6 12)', value: 20, status: 'selected' })],
  ['pruned', node('r.b', 'r', { thought: '9 - 6 = 3 (left: 3 4 8)', value: 0.001, status: 'pruned', note: 'below the beam' })],
  ['created', node('r.a.x', 'r.a', { thought: '12 * 2 = 24', terminal: true })],
]

function build(stream = STREAM): SessionTree {
  return stream.reduce((tree, [event, n]) => applyNodeEvent(tree, event, n), emptyTree('s1'))
}

describe('thought trees from node events', () => {
  it('upserts each node by id, in first-seen order, with its latest status and value', () => {
    const tree = build()
    expect(tree.order).toEqual(['r', 'r.a', 'r.b', 'r.a.x'])
    expect(tree.nodes['r.a']).toMatchObject({ status: 'selected', value: 20 })
    expect(tree.nodes['r.b']).toMatchObject({ status: 'pruned', value: 0.001, note: 'below the beam' })
    expect(tree.lastChanged).toBe('r.a.x')
    expect(counts(tree)).toEqual({ created: 2, evaluated: 0, selected: 1, pruned: 1 })
  })

  it('never moves a node back: a late, older copy keeps the newer status and value', () => {
    const tree = build()
    const late = applyNodeEvent(tree, 'created', node('r.a', 'r', { thought: '4 + 8 = 12 (left: 6 12)' }))
    expect(late.nodes['r.a']).toMatchObject({ status: 'selected', value: 20 })
    expect(late.order).toEqual(tree.order)
  })

  it('takes the event name as the status when the node it carries says less', () => {
    const tree = applyNodeEvent(emptyTree('s'), 'pruned', node('n', null, { status: 'evaluated', value: 1 }))
    expect(tree.nodes.n.status).toBe('pruned')
  })

  it('merges the tree endpoint answer: new nodes, passages, the winning path and status', () => {
    const partial = build(STREAM.slice(0, 3))
    const answer: ReasoningTree = {
      session_id: 's1',
      status: 'completed',
      nodes: [
        node('r', null, { status: 'selected', expanded: true }),
        node('r.a', 'r', { thought: '4 + 8 = 12 (left: 6 12)', value: 20, status: 'selected', passage_ids: ['p1'] }),
        node('r.a.x', 'r.a', { thought: '12 * 2 = 24', value: 20, status: 'selected', terminal: true }),
      ],
      best_path: ['r', 'r.a', 'r.a.x'],
      passages: { p1: { id: 'p1', text: 'a passage', score: 0.5 } },
    }
    const tree = mergeTree(partial, answer)
    expect(tree.order).toEqual(['r', 'r.a', 'r.b', 'r.a.x'])
    expect(tree.nodes['r.a'].passage_ids).toEqual(['p1'])
    expect(tree.nodes.r.expanded).toBe(true)
    expect(tree.nodes['r.b'].status).toBe('created') // the endpoint did not list it: kept as the events left it
    expect(tree.bestPath).toEqual(['r', 'r.a', 'r.a.x'])
    expect(tree.passages.p1.text).toBe('a passage')
    expect(tree.status).toBe('completed')
  })

  it('keeps one tree per session, events of sessions it did not start included', () => {
    let sessions = sessionsReducer({}, { type: 'node', sessionId: 'a', event: 'created', node: node('r', null) })
    sessions = sessionsReducer(sessions, { type: 'node', sessionId: 'b', event: 'created', node: node('r', null) })
    sessions = sessionsReducer(sessions, { type: 'node', sessionId: 'a', event: 'created', node: node('r.a', 'r') })
    sessions = sessionsReducer(sessions, { type: 'finished', sessionId: 'a', status: 'completed', bestPath: ['r', 'r.a'] })
    expect(sessions.a.order).toEqual(['r', 'r.a'])
    expect(sessions.a.bestPath).toEqual(['r', 'r.a'])
    expect(sessions.a.status).toBe('completed')
    expect(sessions.b.order).toEqual(['r'])
    expect(Object.keys(sessionsReducer(sessions, { type: 'forget', keep: 1 }))).toEqual(['b'])
  })
})

describe('tree layout (d3-hierarchy)', () => {
  it('hangs roots and orphans (parent not seen yet) under one virtual root', () => {
    const tree = build([
      ['created', node('r', null)],
      ['created', node('r.a.x', 'r.a')], // its parent's event has not arrived
    ])
    const rows = layoutInput(tree)
    expect(rows.map((r) => [r.id, r.parentId])).toEqual([
      ['\u0000root', null],
      ['r', '\u0000root'],
      ['r.a.x', '\u0000root'],
    ])
  })

  it('puts each depth on its own level, children below their parent, none overlapping', () => {
    const tree = { ...build(), bestPath: ['r', 'r.a', 'r.a.x'] }
    const layout = layoutTree(tree, 100, 80, 10)
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]))
    expect(layout.nodes).toHaveLength(4)
    expect(at.r.y).toBe(10) // the virtual root takes no row
    expect(at['r.a'].y).toBe(90)
    expect(at['r.a.x'].y).toBe(170)
    expect(at['r.a'].x).not.toBe(at['r.b'].x)
    expect(Math.abs(at['r.a'].x - at['r.b'].x)).toBeGreaterThanOrEqual(100)
    expect(Math.min(...layout.nodes.map((n) => n.x))).toBe(10 + 50) // the margin plus half a node
    expect(layout.width).toBeGreaterThanOrEqual(Math.max(...layout.nodes.map((n) => n.x)) + 50)
    // no link from the virtual root; three real edges
    expect(layout.links.map((l) => `${l.source.id}>${l.target.id}`).sort()).toEqual(['r.a>r.a.x', 'r>r.a', 'r>r.b'])
  })

  it('marks the winning path on its nodes and on the edges between them only', () => {
    const tree = { ...build(), bestPath: ['r', 'r.a', 'r.a.x'] }
    const layout = layoutTree(tree)
    expect(layout.nodes.filter((n) => n.onBestPath).map((n) => n.id)).toEqual(['r', 'r.a', 'r.a.x'])
    expect(layout.links.filter((l) => l.onBestPath).map((l) => `${l.source.id}>${l.target.id}`)).toEqual(['r>r.a', 'r.a>r.a.x'])
    expect([...bestPathEdges(['a', 'b', 'c'])]).toEqual(['a>b', 'b>c'])
  })

  it('lays out an empty tree as nothing', () => {
    expect(layoutTree(emptyTree('s'))).toEqual({ nodes: [], links: [], width: 0, height: 0, offsetX: 0 })
  })
})

describe('valueColor', () => {
  it('is grey without a value and runs from red to green up to the tree maximum', () => {
    expect(valueColor(null, 20)).toBe('#eef0f4')
    expect(valueColor(0, 20)).toMatch(/^hsl\(0,/)
    expect(valueColor(20, 20)).toMatch(/^hsl\(120,/)
    const mid = Number(/hsl\((\d+),/.exec(valueColor(1, 20))![1])
    expect(mid).toBeGreaterThan(0)
    expect(mid).toBeLessThan(120)
  })
})
