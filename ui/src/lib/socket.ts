import { useEffect } from 'react'
import { create } from 'zustand'
import { refreshSession } from './auth'
import { config } from './config'
import { WsClient, type WsFrame, type WsState } from './ws'

// One socket for the whole UI; its state lives in a store so the indicator re-renders.
let client: WsClient | null = null

export const useConnection = create<WsState>(() => ({ status: 'idle', attempt: 0, nextRetryAt: null, clientId: null }))

export function socket(): WsClient {
  if (client === null) {
    // the handshake carries the session cookie: an expired one is renewed before retrying
    client = new WsClient(config().wsUrl, { beforeReconnect: refreshSession })
    client.onState((state) => useConnection.setState(state))
    client.connect()
  }
  return client
}

/** Subscribe a component to a bus topic for as long as it is mounted. */
export function useTopic(topic: string, listener: (frame: WsFrame) => void): void {
  useEffect(() => socket().subscribe(topic, listener), [topic, listener])
}
