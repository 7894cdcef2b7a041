import { useMemo } from 'react'
import { layoutTree, maxValue, valueColor, type SessionTree } from '../lib/reasoning'

const NODE_W = 150
const NODE_H = 50

function short(text: string, max = 22): string {
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > max ? one.slice(0, max - 1) + '…' : one
}

/** A session's thought tree, laid out by d3-hierarchy: a node's fill is its value (red to
 * green), pruned nodes are grey, the winning path is drawn bold. */
export function ThoughtTree({ tree, selected, onSelect }: { tree: SessionTree; selected: string | null; onSelect: (id: string) => void }) {
  const layout = useMemo(() => layoutTree(tree, NODE_W + 18, NODE_H + 42), [tree])
  const max = useMemo(() => maxValue(tree), [tree])
  if (layout.nodes.length === 0) return null
  return (
    <div className="thought-tree" data-testid="thought-tree">
      <svg width={layout.width} height={layout.height} role="tree" aria-label="thought tree">
        <g className="links">
          {layout.links.map((link) => (
            <path
              key={`${link.source.id}>${link.target.id}`}
              className={link.onBestPath ? 'link link-best' : 'link'}
              d={`M${link.source.x},${link.source.y + NODE_H} C${link.source.x},${(link.source.y + NODE_H + link.target.y) / 2} ${link.target.x},${(link.source.y + NODE_H + link.target.y) / 2} ${link.target.x},${link.target.y}`}
            />
          ))}
        </g>
        {layout.nodes.map(({ id, x, y, node, onBestPath }) => {
          const pruned = node.status === 'pruned'
          const classes = ['tnode', `tnode-${node.status}`, onBestPath ? 'tnode-best' : '', selected === id ? 'tnode-open' : '', node.terminal ? 'tnode-terminal' : '']
          return (
            <g
              key={id}
              className={classes.filter(Boolean).join(' ')}
              transform={`translate(${x - NODE_W / 2},${y})`}
              onClick={() => onSelect(id)}
              role="treeitem"
              aria-selected={selected === id}
              data-testid="thought-node"
              data-node-id={id}
              data-status={node.status}
              data-best={onBestPath ? 'true' : undefined}
              tabIndex={0}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') onSelect(id)
              }}
            >
              <title>{`${node.thought || node.state || id}\nvalue ${node.value ?? '–'} · ${node.status}${node.note ? '\n' + node.note : ''}`}</title>
              <rect width={NODE_W} height={NODE_H} rx={6} fill={pruned ? '#f1f2f4' : valueColor(node.value, max)} />
              <text x={8} y={19} className="tnode-text">
                {short(node.thought || node.state || (node.depth === 0 ? 'question' : id))}
              </text>
              <text x={8} y={38} className="tnode-meta">
                {node.value === null || node.value === undefined ? 'not valued' : `value ${node.value.toFixed(node.value >= 10 ? 0 : 2)}`}
                {pruned ? ' · pruned' : node.status === 'selected' ? ' · kept' : ''}
              </text>
            </g>
          )
        })}
      </svg>
    </div>
  )
}
