import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

// A uPlot chart as a React component: made once per `options` (callers memoise them), given
// new data with setData, as wide as its container. `onPick(i)`: a click on the plot picks the
// data column under the cursor.
/** A scale's range with some room around the data; one value (all recipes scored 0) gets a
 * unit around it instead of uPlot's 0..100. */
export const padded: uPlot.Range.Function = (_u, min, max) => {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1]
  if (min === max) {
    const d = Math.abs(min) * 0.1 || 1
    return [min - d, max + d]
  }
  const d = (max - min) * 0.08
  return [min - d, max + d]
}

export function Chart({
  options,
  data,
  height = 220,
  onPick,
  testId,
  attrs,
}: {
  options: Omit<uPlot.Options, 'width' | 'height'>
  data: uPlot.AlignedData
  height?: number
  onPick?: (index: number) => void
  testId?: string
  attrs?: Record<string, string | number>
}) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const pick = useRef(onPick)
  pick.current = onPick
  const latest = useRef(data)
  latest.current = data

  useEffect(() => {
    const el = box.current
    if (!el) return
    const width = () => Math.max(240, Math.floor(el.clientWidth || 600))
    const u = new uPlot({ legend: { live: false }, ...options, width: width(), height }, latest.current, el)
    plot.current = u
    const click = () => {
      const i = u.cursor.idx
      if (i !== null && i !== undefined && pick.current) pick.current(i)
    }
    u.over?.addEventListener('click', click)
    const resize = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => u.setSize({ width: width(), height })) : null
    resize?.observe(el)
    return () => {
      resize?.disconnect()
      u.over?.removeEventListener('click', click)
      u.destroy()
      plot.current = null
    }
  }, [options, height])

  useEffect(() => {
    plot.current?.setData(data)
  }, [data])

  const dataAttrs = Object.fromEntries(Object.entries(attrs ?? {}).map(([k, v]) => [`data-${k}`, String(v)]))
  return <div className="chart" ref={box} data-testid={testId} {...dataAttrs} />
}
