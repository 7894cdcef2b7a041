// Starting and stopping reasoning sessions. A start goes over the live socket when it is open
// (`start_reasoning`: the server subscribes the socket to the session before it starts, so no
// event is missed), over POST /reasoning/start otherwise.
import { api, ApiError } from './api'
import type { ReasoningResultView, ReasoningTree, SessionSummary, StartReasoningBody } from './reasoningTypes'
import type { WsClient, WsFrame } from './ws'

const enc = encodeURIComponent

export function startOverSocket(client: WsClient, body: StartReasoningBody, timeoutMs = 60000): Promise<SessionSummary> | null {
  if (client.snapshot.status !== 'open') return null
  const ref = client.nextRef('reason')
  return new Promise<SessionSummary>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer)
      off()
    }
    const timer = setTimeout(() => {
      off()
      reject(new ApiError(0, 'timeout', 'no answer to start_reasoning'))
    }, timeoutMs)
    const off = client.onRef(ref, (frame: WsFrame) => {
      if (frame.type === 'reasoning_started') {
        finish()
        resolve(frame.data as SessionSummary)
      } else if (frame.type === 'error') {
        finish()
        const data = frame.data ?? {}
        reject(new ApiError(Number(data.status ?? 422), String(data.code ?? 'error'), String(data.message ?? 'refused'), data.field ?? undefined))
      }
    })
    if (!client.send({ type: 'start_reasoning', ref, ...body })) {
      finish()
      reject(new ApiError(0, 'network', 'the live connection closed'))
    }
  })
}

export async function startReasoning(client: WsClient | null, body: StartReasoningBody): Promise<SessionSummary> {
  const live = client ? startOverSocket(client, body) : null
  if (live) return live
  return api.post<SessionSummary>('reasoning/start', body, 60000)
}

export function stopReasoning(sessionId: string): Promise<SessionSummary> {
  return api.post<SessionSummary>('reasoning/stop', { session_id: sessionId }, 60000)
}

export function sessionTree(sessionId: string): Promise<ReasoningTree> {
  return api.get<ReasoningTree>(`reasoning/sessions/${enc(sessionId)}/tree`)
}

/** The session and its result; with `waitS`, the server holds the answer until it finishes
 * (or the wait ends). */
export function sessionResult(sessionId: string, waitS = 0, signal?: AbortSignal): Promise<ReasoningResultView> {
  return api.getWith<ReasoningResultView>(`reasoning/results/${enc(sessionId)}${waitS ? `?wait_s=${waitS}` : ''}`, {
    timeoutMs: (waitS + 30) * 1000,
    signal,
  })
}
