import { memo, useState, type ReactNode } from 'react'
import ReactMarkdown, { type Options as MarkdownOptions } from 'react-markdown'
import rehypeHighlight from 'rehype-highlight'
import remarkGfm from 'remark-gfm'

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node)
  if (Array.isArray(node)) return node.map(textOf).join('')
  if (node && typeof node === 'object' && 'props' in node) return textOf((node as { props: { children?: ReactNode } }).props.children)
  return ''
}

function CodeBlock({ children }: { children?: ReactNode }) {
  const [copied, setCopied] = useState(false)
  const child = Array.isArray(children) ? children[0] : children
  const className = (child && typeof child === 'object' && 'props' in child ? (child.props as { className?: string }).className : '') ?? ''
  const language = /language-([\w+-]+)/.exec(className)?.[1]
  const code = textOf(children).replace(/\n$/, '')
  return (
    <div className="codeblock">
      <div className="codeblock-head">
        <span>{language ?? 'code'}</span>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(code).then(() => {
              setCopied(true)
              setTimeout(() => setCopied(false), 1500)
            })
          }}
        >
          {copied ? 'copied' : 'copy'}
        </button>
      </div>
      <pre>{children}</pre>
    </div>
  )
}

// Highlight fenced blocks that name their language (highlight.js's common set); a block
// without one, or in a language it does not know, stays plain text.
const rehypePlugins: MarkdownOptions['rehypePlugins'] = [[rehypeHighlight, { detect: false }]]

/** Chat answers: GitHub-flavoured Markdown; raw HTML is not rendered (answers are untrusted). */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={rehypePlugins} components={{ pre: CodeBlock }}>
        {text}
      </ReactMarkdown>
    </div>
  )
})
