import { useCallback, useEffect, useRef, useState } from 'react'

export interface Resource<T> {
  data: T | null
  error: unknown
  loading: boolean // first load only; refreshes keep showing the last data
  reload: () => Promise<void>
}

/** Load data, optionally refresh it every `intervalMs`; the last good data stays on screen. */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], intervalMs?: number): Resource<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [loading, setLoading] = useState(true)
  const alive = useRef(true)
  // the caller names what the loader depends on (like useEffect), so a new closure each
  // render does not reload
  const run = useCallback(load, deps)

  const reload = useCallback(async () => {
    try {
      const value = await run()
      if (!alive.current) return
      setData(value)
      setError(null)
    } catch (exc) {
      if (alive.current) setError(exc)
    } finally {
      if (alive.current) setLoading(false)
    }
  }, [run])

  useEffect(() => {
    alive.current = true
    setLoading(true)
    void reload()
    const timer = intervalMs ? setInterval(() => void reload(), intervalMs) : null
    return () => {
      alive.current = false
      if (timer) clearInterval(timer)
    }
  }, [reload, intervalMs])

  return { data, error, loading, reload }
}
