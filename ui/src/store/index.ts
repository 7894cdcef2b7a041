import { socket } from '../lib/socket'
import { createChatStore } from './chat'

export const useChat = createChatStore(socket)
