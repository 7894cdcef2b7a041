// Thought trees of reasoning sessions as the Reasoning page keeps them: built from the live
// `reasoning_update` events (a node is upserted by id), merged with GET .../tree, laid out by
// d3-hierarchy's tidy tree, with the winning path marked.
import { stratify, tree as tidyTree, type HierarchyPointNode } from 'd3-hierarchy'
import type { NodeEvent, NodeStatus, Passage, ReasoningTree, SessionStatus, ThoughtNode } from './reasoningTypes'

export const MODES = ['adaptive', 'direct', 'tot_only', 'rag_only', 's3_rag', 'tot_enhanced_rag'] as const
export const TREE_MODES = new Set<string>(['tot_only', 'tot_enhanced_rag'])

export interface SessionTree {
  sessionId: string
  nodes: Record<string, ThoughtNode>
  order: string[] // ids as first seen, so a layout is stable while the tree grows
  bestPath: string[]
  passages: Record<string, Passage>
  status: SessionStatus | null
  lastChanged: string | null // the node the latest event touched
}

export function emptyTree(sessionId: string): SessionTree {
  return { sessionId, nodes: {}, order: [], bestPath: [], passages: {}, status: null, lastChanged: null }
}

// A node only moves forward: created -> evaluated -> selected | pruned. An event that arrives
// late (the tree endpoint's copy read before the latest update) does not move it back.
const RANK: Record<NodeStatus, number> = { created: 0, evaluated: 1, selected: 2, pruned: 2 }

export function mergeNode(old: ThoughtNode | undefined, incoming: ThoughtNode): ThoughtNode {
  if (!old) return incoming
  const newer = RANK[incoming.status] >= RANK[old.status]
  return {
    ...old,
    ...(newer ? incoming : {}),
    status: newer ? incoming.status : old.status,
    value: incoming.value ?? old.value ?? null,
    thought: incoming.thought || old.thought,
    state: incoming.state || old.state,
    note: (newer ? incoming.note : null) ?? old.note ?? null,
    passage_ids: incoming.passage_ids?.length ? incoming.passage_ids : old.passage_ids,
    expanded: old.expanded || incoming.expanded,
  }
}

/** One `reasoning_update`: the node as the event carries it, upserted by id. */
export function applyNodeEvent(tree: SessionTree, event: NodeEvent, node: ThoughtNode): SessionTree {
  // the event names what happened; the node's own status says the same (or is older)
  const incoming = RANK[event] > RANK[node.status] ? { ...node, status: event } : node
  const known = node.id in tree.nodes
  return {
    ...tree,
    nodes: { ...tree.nodes, [node.id]: mergeNode(tree.nodes[node.id], incoming) },
    order: known ? tree.order : [...tree.order, node.id],
    lastChanged: node.id,
  }
}

/** GET /reasoning/sessions/{id}/tree merged into what the events built so far. */
export function mergeTree(tree: SessionTree, answer: ReasoningTree): SessionTree {
  const nodes = { ...tree.nodes }
  const order = [...tree.order]
  for (const node of answer.nodes) {
    if (!(node.id in nodes)) order.push(node.id)
    nodes[node.id] = mergeNode(nodes[node.id], node)
  }
  return {
    ...tree,
    nodes,
    order,
    bestPath: answer.best_path?.length ? answer.best_path : tree.bestPath,
    passages: { ...tree.passages, ...(answer.passages ?? {}) },
    status: answer.status,
  }
}

export function withBestPath(tree: SessionTree, bestPath: string[], status?: SessionStatus | null): SessionTree {
  return { ...tree, bestPath: bestPath.length ? bestPath : tree.bestPath, status: status ?? tree.status }
}

// ---- sessions seen live -------------------------------------------------------------------

export type SessionsAction =
  | { type: 'node'; sessionId: string; event: NodeEvent; node: ThoughtNode }
  | { type: 'tree'; sessionId: string; tree: ReasoningTree }
  | { type: 'finished'; sessionId: string; status: SessionStatus; bestPath?: string[] }
  | { type: 'forget'; keep: number }

export type Sessions = Record<string, SessionTree>

/** Every session's tree the page has seen events of (a session started elsewhere grows too). */
export function sessionsReducer(sessions: Sessions, action: SessionsAction): Sessions {
  switch (action.type) {
    case 'node': {
      const tree = sessions[action.sessionId] ?? emptyTree(action.sessionId)
      return { ...sessions, [action.sessionId]: applyNodeEvent(tree, action.event, action.node) }
    }
    case 'tree': {
      const tree = sessions[action.sessionId] ?? emptyTree(action.sessionId)
      return { ...sessions, [action.sessionId]: mergeTree(tree, action.tree) }
    }
    case 'finished': {
      const tree = sessions[action.sessionId] ?? emptyTree(action.sessionId)
      return { ...sessions, [action.sessionId]: withBestPath(tree, action.bestPath ?? [], action.status) }
    }
    case 'forget': {
      const ids = Object.keys(sessions)
      if (ids.length <= action.keep) return sessions
      return Object.fromEntries(ids.slice(ids.length - action.keep).map((id) => [id, sessions[id]]))
    }
  }
}

// ---- layout ---------------------------------------------------------------------------------

export interface LaidNode {
  id: string
  x: number
  y: number
  node: ThoughtNode
  onBestPath: boolean
}

export interface LaidLink {
  source: { x: number; y: number; id: string }
  target: { x: number; y: number; id: string }
  onBestPath: boolean
}

export interface TreeLayout {
  nodes: LaidNode[]
  links: LaidLink[]
  width: number
  height: number
  offsetX: number // add to x so the leftmost node starts at the margin
}

const ROOT = '\u0000root'

interface Row {
  id: string
  parentId: string | null
  node: ThoughtNode | null
}

/** The rows d3's stratify takes: one virtual root above the session's roots (and above any
 * node whose parent has not arrived yet), in first-seen order. */
export function layoutInput(tree: SessionTree): Row[] {
  const rows: Row[] = [{ id: ROOT, parentId: null, node: null }]
  for (const id of tree.order) {
    const node = tree.nodes[id]
    const parent = node.parent_id && node.parent_id in tree.nodes ? node.parent_id : ROOT
    rows.push({ id, parentId: parent, node })
  }
  return rows
}

export function bestPathEdges(bestPath: string[]): Set<string> {
  const edges = new Set<string>()
  for (let i = 1; i < bestPath.length; i++) edges.add(`${bestPath[i - 1]}>${bestPath[i]}`)
  return edges
}

/** Top-down tidy tree (d3-hierarchy): `nodeWidth` apart side by side, `levelHeight` per depth. */
export function layoutTree(tree: SessionTree, nodeWidth = 168, levelHeight = 92, margin = 16): TreeLayout {
  if (tree.order.length === 0) return { nodes: [], links: [], width: 0, height: 0, offsetX: 0 }
  const root = stratify<Row>()
    .id((r) => r.id)
    .parentId((r) => r.parentId)(layoutInput(tree))
  const laid = tidyTree<Row>().nodeSize([nodeWidth, levelHeight])(root)
  const onPath = new Set(tree.bestPath)
  const edges = bestPathEdges(tree.bestPath)
  const real = laid.descendants().filter((d) => d.data.node !== null)
  // the virtual root takes no row: every real node moves up one level
  const y = (d: HierarchyPointNode<Row>) => d.y - levelHeight + margin
  const minX = Math.min(...real.map((d) => d.x))
  const maxX = Math.max(...real.map((d) => d.x))
  const maxY = Math.max(...real.map(y))
  const offsetX = margin + nodeWidth / 2 - minX
  return {
    nodes: real.map((d) => ({ id: d.data.id, x: d.x + offsetX, y: y(d), node: d.data.node!, onBestPath: onPath.has(d.data.id) })),
    links: laid
      .links()
      .filter((l) => l.source.data.node !== null)
      .map((l) => ({
        source: { id: l.source.data.id, x: l.source.x + offsetX, y: y(l.source) },
        target: { id: l.target.data.id, x: l.target.x + offsetX, y: y(l.target) },
        onBestPath: edges.has(`${l.source.data.id}>${l.target.data.id}`),
      })),
    width: maxX - minX + nodeWidth + 2 * margin,
    height: maxY + levelHeight,
    offsetX,
  }
}

// ---- colour of a value ----------------------------------------------------------------------

/** A node's value as a colour, red (lowest) to green (highest of the tree); grey: not valued. */
export function valueColor(value: number | null | undefined, max: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '#eef0f4'
  const t = max > 0 ? Math.max(0, Math.min(1, Math.log1p(Math.max(0, value)) / Math.log1p(max))) : 0
  return `hsl(${Math.round(t * 120)}, 65%, ${Math.round(88 - t * 10)}%)`
}

export function maxValue(tree: SessionTree): number {
  let max = 0
  for (const id of tree.order) max = Math.max(max, tree.nodes[id].value ?? 0)
  return max
}

export function counts(tree: SessionTree): Record<NodeStatus, number> {
  const out: Record<NodeStatus, number> = { created: 0, evaluated: 0, selected: 0, pruned: 0 }
  for (const id of tree.order) out[tree.nodes[id].status] += 1
  return out
}
