// Kroton's offer catalog (Elasticsearch middleware): the offers matching a lead's course interest.
// Live client in upstream/CatalogLive.ts; layerTest (in memory, programmable) and layerFixtures
// (fixtures/catalog.json) apply the catalog's matching as a filter.
import { Context, Effect, Layer, Schema } from "effect"
import type { HttpClient } from "effect/http"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Offer } from "../domain/KrotonWire.ts"
import { byClosingDate, type CourseInterest, offerMatches } from "../domain/OfferSearch.ts"
import type { RateBudget } from "./RateBudget.ts"
import { type CatalogSettings, catalogSettingsFromConfig, make } from "./upstream/CatalogLive.ts"
import { CatalogUnavailable } from "./upstream/CatalogErrors.ts"
import type { SettingInvalid } from "./upstream/Settings.ts"

export type { CatalogSettings }

export { CatalogUnavailable }

export interface OfferCatalogShape {
  /** Offers for the interest, in the catalog's order; `today` is YYYY-MM-DD (registration still open). */
  readonly search: (interest: CourseInterest, today: string) => Effect.Effect<ReadonlyArray<Offer>, CatalogUnavailable>
}

/** A catalog document: an offer plus what the index also keeps (idUnidadeOrigem, nmUnidade). */
export type CatalogDocument = Offer & { readonly idUnidadeOrigem?: number | undefined; readonly nmUnidade?: string | undefined }

export interface CatalogFakeShape {
  /** the documents searched (replaces) */
  readonly setOffers: (offers: ReadonlyArray<CatalogDocument>) => void
  /** the next searches fail with `error` (queued, one per search) */
  readonly failNext: (error: CatalogUnavailable) => void
  /** every search asked: interest and day */
  readonly searches: () => ReadonlyArray<{ readonly interest: CourseInterest; readonly today: string }>
}

/** The programmable side of OfferCatalog.layerTest / layerFixtures. */
export class CatalogFake extends Context.Service<CatalogFake, CatalogFakeShape>()("kroton-leads/CatalogFake") {}

const CatalogFile = Schema.Struct({
  offers: Schema.Array(Schema.Struct({
    ...Offer.fields,
    idUnidadeOrigem: Schema.optional(Schema.Number),
    nmUnidade: Schema.optional(Schema.String)
  }))
})

export const defaultCatalogPath = fileURLToPath(new URL("../../fixtures/catalog.json", import.meta.url))

/** The sandbox catalog, from fixtures/catalog.json (written by scripts/generate-sandbox-fixtures.ts). */
export const catalogFromFile = (path: string = defaultCatalogPath): ReadonlyArray<CatalogDocument> =>
  Schema.decodeUnknownSync(CatalogFile)(JSON.parse(readFileSync(path, "utf8"))).offers

const toOffer = (offer: CatalogDocument): Offer => ({
  id: offer.id,
  dsCurso: offer.dsCurso,
  dsTipoCurso: offer.dsTipoCurso,
  dsModalidade: offer.dsModalidade,
  vlMensalidadeDe: offer.vlMensalidadeDe,
  dtTerminoInscricao: offer.dtTerminoInscricao,
  ativa: offer.ativa,
  periodoCaptacao: offer.periodoCaptacao,
  sistema: offer.sistema
})

export const makeFake = (initial: ReadonlyArray<CatalogDocument> = []) => {
  let offers = initial
  const failures: Array<CatalogUnavailable> = []
  const searches: Array<{ interest: CourseInterest; today: string }> = []
  const api: OfferCatalogShape = {
    search: (interest, today) =>
      Effect.suspend(() => {
        searches.push({ interest, today })
        const failure = failures.shift()
        if (failure) return Effect.fail(failure)
        return Effect.succeed(offers.filter((o) => offerMatches(o, interest, today)).sort(byClosingDate).map(toOffer))
      })
  }
  const fake: CatalogFakeShape = {
    setOffers: (next) => {
      offers = next
    },
    failNext: (error) => {
      failures.push(error)
    },
    searches: () => [...searches]
  }
  return { api, fake }
}

export class OfferCatalog extends Context.Service<OfferCatalog, OfferCatalogShape>()("kroton-leads/OfferCatalog") {
  /** Live: OFFER_CATALOG_URL (required), OFFER_CATALOG_TOKEN (optional), OFFER_CATALOG_TIMEOUT, OFFER_CATALOG_MAX_ATTEMPTS. */
  static readonly layer: Layer.Layer<OfferCatalog, SettingInvalid, HttpClient.HttpClient | RateBudget> = Layer.effect(
    this,
    Effect.flatMap(catalogSettingsFromConfig, make)
  )

  static readonly layerWith = (settings: CatalogSettings): Layer.Layer<OfferCatalog, never, HttpClient.HttpClient | RateBudget> =>
    Layer.effect(this, make(settings))

  /** In memory, no offers until CatalogFake.setOffers; same matching and order as the catalog. */
  static readonly layerTest: Layer.Layer<OfferCatalog | CatalogFake> = Layer.effectContext(
    Effect.sync(() => {
      const { api, fake } = makeFake()
      return Context.make(OfferCatalog, api).pipe(Context.add(CatalogFake, fake))
    })
  )

  /** The offers of fixtures/catalog.json, matched as the catalog does; no network. */
  static readonly layerFixtures: Layer.Layer<OfferCatalog | CatalogFake> = Layer.effectContext(
    Effect.sync(() => {
      const { api, fake } = makeFake(catalogFromFile())
      return Context.make(OfferCatalog, api).pipe(Context.add(CatalogFake, fake))
    })
  )
}
