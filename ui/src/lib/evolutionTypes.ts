// The shapes of /api/v1/evolution/* (protocols/evolution.py, protocols/rest_evolution.py):
// aliases of the types generated from the gateway's OpenAPI document (api.gen.ts).
import type { components } from './api.gen'

type Schemas = components['schemas']

export type RunStatus = Schemas['RunStatus']
export type RunSummary = Schemas['RunSummary']
export type RunView = Schemas['RunView']
export type RunConfig = Schemas['RunConfig']
export type RunProgress = Schemas['RunProgress']
export type IslandProgress = Schemas['IslandProgress']
export type HistoryPoint = Schemas['HistoryPoint']
export type Member = Schemas['Member']
export type ObjectiveSpec = Schemas['ObjectiveSpec']
export type Recipe = Schemas['Recipe']
export type RealVector = Schemas['RealVector']
export type Genome = Recipe | RealVector
export type RecipeView = Schemas['RecipeView']
export type RecipeList = Schemas['RecipeList']
export type LineageView = Schemas['LineageView']
export type LineageNode = Schemas['LineageNode']
export type EvolutionResults = Schemas['EvolutionResults']
export type EvolutionStatusView = Schemas['EvolutionStatusView']
export type StartEvolutionBody = Schemas['StartEvolutionBody']
export type CreateAgentRequest = Schemas['CreateAgentRequest'] // POST /agents {recipe_id}: an agent that runs a recipe
