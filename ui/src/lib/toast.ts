import { create } from 'zustand'

export interface Toast {
  id: number
  tone: 'ok' | 'bad' | 'info'
  text: string
}

interface ToastState {
  toasts: Toast[]
  push: (tone: Toast['tone'], text: string) => void
  dismiss: (id: number) => void
}

let next = 1

export const useToasts = create<ToastState>((set) => ({
  toasts: [],
  push: (tone, text) => {
    const id = next++
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id, tone, text }] }))
    setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), tone === 'bad' ? 8000 : 4000)
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}))

export const toast = {
  ok: (text: string) => useToasts.getState().push('ok', text),
  bad: (text: string) => useToasts.getState().push('bad', text),
  info: (text: string) => useToasts.getState().push('info', text),
}
