// The shapes of /api/v1/reasoning/* (protocols/reasoning.py, protocols/rest_reasoning.py):
// aliases of the types generated from the gateway's OpenAPI document (api.gen.ts). Lists and
// maps with a default are optional there: readers use `?? []` / `?? {}`.
import type { components } from './api.gen'

type Schemas = components['schemas']

export type ReasoningMode = Schemas['ReasoningMode']
export type TaskKind = Schemas['TaskKind']
export type GenerateMethod = Schemas['GenerateMethod']
export type EvaluateMethod = Schemas['EvaluateMethod']
export type Evaluator = Schemas['Evaluator']
export type SearchAlgorithm = Schemas['SearchAlgorithm']
export type NodeStatus = Schemas['NodeStatus']
export type SessionStatus = Schemas['SessionStatus']
export type NodeEvent = Schemas['NodeStatus'] // reasoning_update's `event` names the status reached
export type Passage = Schemas['Passage']
export type ThoughtNode = Schemas['ThoughtNode']
export type TreeOfThoughtsConfig = Schemas['TreeOfThoughtsConfig']
export type RagConfig = Schemas['RagConfig']
export type S3Config = Schemas['S3Config']
export type SessionMetrics = Schemas['SessionMetrics']
export type RoutingDecision = Schemas['RoutingDecision']
export type ReasoningResult = Schemas['ReasoningResult']
export type StartReasoningBody = Schemas['StartReasoningBody']
export type SessionSummary = Schemas['SessionSummary']
export type ReasoningStatusView = Schemas['ReasoningStatusView']
export type ReasoningHistory = Schemas['ReasoningHistory']
export type ReasoningResultView = Schemas['ReasoningResultView']
export type ReasoningTree = Schemas['ReasoningTree']
export type ReasoningDefaults = Schemas['ReasoningDefaults']
export type ReasoningDefaultsUpdate = Schemas['ReasoningDefaultsUpdate']
