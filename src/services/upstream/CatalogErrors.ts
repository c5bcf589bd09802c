// The failure of the offer-catalog client (re-exported by OfferCatalog.ts).
import { Schema } from "effect"

/** The catalog did not give a usable answer after the bounded retries. */
export class CatalogUnavailable extends Schema.TaggedError<CatalogUnavailable>()("CatalogUnavailable", {
  reason: Schema.String,
  attempts: Schema.Number
}) {
  override get message() {
    return `offer catalog unavailable after ${this.attempts} attempts: ${this.reason}`
  }
}
