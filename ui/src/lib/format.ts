export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–'
  if (seconds < 60) return `${Math.round(seconds)}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.round(seconds % 60)}s`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`
}

export function pct(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '–'
  return `${value.toFixed(digits)}%`
}

export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '–'
  return value.toLocaleString(undefined, { maximumFractionDigits: digits })
}

/** "12s ago" for an epoch time in seconds, or an ISO string. */
export function ago(at: number | string | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return '–'
  const when = typeof at === 'number' ? at * 1000 : Date.parse(at)
  if (Number.isNaN(when)) return String(at)
  const s = Math.max(0, (now - when) / 1000)
  return s < 5 ? 'just now' : `${duration(s)} ago`
}

export function clock(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return ''
  const when = typeof at === 'number' ? new Date(at * 1000) : new Date(at)
  return Number.isNaN(when.getTime()) ? '' : when.toLocaleTimeString()
}
