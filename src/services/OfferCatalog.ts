// Kroton's offer catalog (Elasticsearch middleware): the offers matching a lead's course interest.
import { Context, type Effect, Schema } from "effect"
import type { Offer } from "../domain/KrotonWire.ts"
import type { CourseInterest } from "../domain/OfferSearch.ts"

/** The catalog did not give a usable answer after the bounded retries. */
export class CatalogUnavailable extends Schema.TaggedError<CatalogUnavailable>()("CatalogUnavailable", {
  reason: Schema.String,
  attempts: Schema.Number
}) {
  override get message() {
    return `offer catalog unavailable after ${this.attempts} attempts: ${this.reason}`
  }
}

export class OfferCatalog extends Context.Service<OfferCatalog, {
  /** Offers for the interest, in the catalog's order; `today` is YYYY-MM-DD (registration still open). */
  readonly search: (interest: CourseInterest, today: string) => Effect.Effect<ReadonlyArray<Offer>, CatalogUnavailable>
}>()("kroton-leads/OfferCatalog") {}
