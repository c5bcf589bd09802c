// Infers a missing gender from the first name, with IBGE census data (2010 and 2022).
import { Context, type Effect, Schema } from "effect"

export interface GenderGuess {
  /** the normalised first name looked up */
  readonly firstName: string
  /** undefined when the census is not clear enough (below the threshold) or does not know the name */
  readonly gender: "M" | "F" | undefined
  /** share of the chosen gender (or of the majority, when undecided); undefined when unknown */
  readonly probability: number | undefined
  readonly source: "table" | "ibge" | "cache" | "unknown"
}

export class CensusUnavailable extends Schema.TaggedError<CensusUnavailable>()("CensusUnavailable", {
  reason: Schema.String
}) {
  override get message() {
    return `IBGE names API unavailable: ${this.reason}`
  }
}

export class GenderCensus extends Context.Service<GenderCensus, {
  readonly infer: (fullName: string) => Effect.Effect<GenderGuess, CensusUnavailable>
}>()("kroton-leads/GenderCensus") {}
