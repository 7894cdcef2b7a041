import { memo } from 'react'
import type { ChildStatus } from '../lib/types'
import { duration } from '../lib/format'
import { Badge, ConfirmButton } from './ui'

interface Props {
  node: ChildStatus
  onKill?: (address: string) => Promise<void>
  flashed?: ReadonlySet<string> // addresses restarted a moment ago
  depth?: number
}

/** The supervision tree as an indented table: one row per supervisor or worker. */
export function SupervisionTree({ node, onKill, flashed }: Props) {
  return (
    <div className="tree" role="tree">
      <div className="tree-row tree-header" aria-hidden="true">
        <span>address</span>
        <span>state</span>
        <span className="num">restarts</span>
        <span>uptime</span>
        <span>where</span>
        <span>last exit</span>
        <span />
      </div>
      <TreeNode node={node} onKill={onKill} flashed={flashed} depth={0} />
    </div>
  )
}

const TreeNode = memo(function TreeNode({ node, onKill, flashed, depth = 0 }: Props) {
  const isRoot = depth === 0
  return (
    <>
      <div
        className={`tree-row${flashed?.has(node.address) ? ' flash' : ''}`}
        role="treeitem"
        aria-level={depth + 1}
        data-testid="tree-row"
        data-address={node.address}
        data-state={node.state}
        data-restarts={node.restarts}
      >
        <span className="tree-address" style={{ paddingLeft: depth * 18 }}>
          <span className={`kind kind-${node.kind}`} title={node.kind}>
            {node.kind === 'supervisor' ? 'S' : 'W'}
          </span>
          <code>{node.address}</code>
          {node.strategy ? <span className="strategy">{node.strategy.replace(/_/g, '-')}</span> : null}
        </span>
        <span>
          <Badge status={node.state} />
        </span>
        <span className={`num restarts${node.restarts > 0 ? ' restarts-some' : ''}`} data-testid="restarts">
          {node.restarts}
        </span>
        <span className="muted">{duration(node.uptime_s)}</span>
        <span className="muted small">
          {node.node_ip ?? ''}
          {node.pid ? ` · pid ${node.pid}` : ''}
        </span>
        <span className="muted small" title={node.last_exit?.detail}>
          {node.last_exit ? node.last_exit.kind : ''}
        </span>
        <span className="tree-actions">
          {onKill && !isRoot ? (
            <ConfirmButton
              size="sm"
              confirmLabel="Kill?"
              title={`Kill ${node.address}; its supervisor restarts it`}
              data-testid={`kill-${node.address}`}
              onConfirm={() => onKill(node.address)}
            >
              Kill
            </ConfirmButton>
          ) : null}
        </span>
      </div>
      {(node.children ?? []).map((child) => (
        <TreeNode key={child.address} node={child} onKill={onKill} flashed={flashed} depth={depth + 1} />
      ))}
    </>
  )
})
