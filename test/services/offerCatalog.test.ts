import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import type { CourseInterest } from "../../src/domain/OfferSearch.ts"
import { acquireSandbox, type CatalogOffer, type SandboxHandle, type SandboxOptions } from "../../src/sandbox/Sandbox.ts"
import { CatalogFake, CatalogUnavailable, OfferCatalog, type CatalogSettings } from "../../src/services/OfferCatalog.ts"
import { RateBudget } from "../../src/services/RateBudget.ts"
import { memoryStore } from "../../src/services/upstream/BudgetStore.ts"

const today = "2026-12-01"
const interest: CourseInterest = {
  courseName: "ADMINISTRACAO",
  courseType: "GRADUACAO",
  modality: "EAD",
  unitId: 101,
  monthlyPrice: 249.9,
  captationPeriod: 20271
}
const offer = (id: string, closes: string, extra: Partial<CatalogOffer> = {}): CatalogOffer => ({
  id,
  dsCurso: "ADMINISTRACAO",
  dsTipoCurso: "GRADUACAO",
  dsModalidade: "EAD",
  vlMensalidadeDe: 249.9,
  dtTerminoInscricao: closes,
  ativa: true,
  periodoCaptacao: 20271,
  sistema: "COLABORAR",
  idUnidadeOrigem: 101,
  ...extra
})
const catalog: ReadonlyArray<CatalogOffer> = [
  offer("OF-3", "2027-04-30"),
  offer("OF-1", "2027-02-28"),
  offer("OF-2", "2027-03-31"),
  offer("OF-X", "2027-03-31", { ativa: false }),
  offer("OF-Y", "2026-11-30"),
  offer("OF-Z", "2027-03-31", { idUnidadeOrigem: 102 })
]

const withCatalog = <A, E>(
  body: (ctx: { sandbox: SandboxHandle; catalog: OfferCatalog["Service"]; store: ReturnType<typeof memoryStore> }) => Effect.Effect<A, E>,
  options: { sandbox?: SandboxOptions; settings?: Partial<CatalogSettings> } = {}
) =>
  Effect.gen(function*() {
    const sandbox = yield* acquireSandbox({ today, catalog, rateLimit: { limit: 100_000, windowMs: 60_000 }, ...options.sandbox })
    const store = memoryStore()
    const budget = RateBudget.layerMemory(
      { limits: { kroton: "off", catalog: { limit: 10_000, window: Duration.minutes(1) }, ibge: "off" } },
      store
    )
    const settings: CatalogSettings = {
      url: sandbox.catalogUrl,
      token: Option.none(),
      timeout: Duration.millis(400),
      maxAttempts: 3,
      baseDelay: Duration.millis(5),
      maxDelay: Duration.millis(20),
      ...options.settings
    }
    const layer = OfferCatalog.layerWith(settings).pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, budget)))
    return yield* body({ sandbox, catalog: Context.get(yield* Layer.build(layer), OfferCatalog), store })
  })

const searches = (sandbox: SandboxHandle) => sandbox.log().filter((e) => e.upstream === "catalog")

describe("OfferCatalog live (sandbox)", () => {
  it.live("finds the open, active offers of the interest, in the catalog's order, through the budget", () =>
    withCatalog(({ catalog, sandbox, store }) =>
      Effect.gen(function*() {
        const offers = yield* catalog.search(interest, today)
        assert.deepStrictEqual(offers.map((o) => o.id), ["OF-1", "OF-2", "OF-3"])
        assert.strictEqual((yield* store.grants("catalog")).length, 1)
        assert.deepStrictEqual(yield* catalog.search({ ...interest, courseName: "MEDICINA" }, today), [])
        assert.strictEqual(searches(sandbox).length, 2)
      })
    ))

  it.live("sends the Bearer token when one is configured (staging), none otherwise", () =>
    withCatalog(({ catalog }) =>
      Effect.gen(function*() {
        assert.strictEqual((yield* catalog.search(interest, today)).length, 3)
      }), { sandbox: { catalogToken: "stg-token" }, settings: { token: Option.some(Redacted.make("stg-token")) } }))

  it.live("without the token staging wants: 401, not retried -> CatalogUnavailable", () =>
    withCatalog(({ catalog, sandbox }) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(catalog.search(interest, today))
        assert.include(error.message, "HTTP 401")
        assert.strictEqual(searches(sandbox).length, 1)
      }), { sandbox: { catalogToken: "stg-token" } }))

  for (const kind of ["500", "502", "503", "504", "reset", "hang", "malformed", "429"] as const) {
    it.live(`fault ${kind} once: retried, then the offers`, () =>
      withCatalog(({ catalog, sandbox, store }) =>
        Effect.gen(function*() {
          sandbox.setFaults("catalog", { next: [kind], retryAfterSeconds: 1 })
          const offers = yield* catalog.search(interest, today)
          assert.strictEqual(offers.length, 3)
          assert.deepStrictEqual(searches(sandbox).map((e) => e.fault ?? "ok"), [kind, "ok"])
          if (kind === "429") {
            assert.deepStrictEqual(store.events.map((e) => [e.upstream, e.kind]), [["catalog", "429"]])
            const [first, second] = searches(sandbox)
            assert.isAtLeast(second!.at - first!.at, 1000)
          }
        })
      ))
  }

  it.live("faults on every attempt: CatalogUnavailable after OFFER_CATALOG_MAX_ATTEMPTS", () =>
    withCatalog(({ catalog, sandbox }) =>
      Effect.gen(function*() {
        sandbox.setFaults("catalog", { every: { n: 1, kind: "malformed" } })
        const error = yield* Effect.flip(catalog.search(interest, today))
        assert.strictEqual(error.attempts, 3)
        assert.include(error.message, "undocumented answer")
        assert.strictEqual(searches(sandbox).length, 3)
      })
    ))
})

describe("OfferCatalog settings", () => {
  it.effect("OFFER_CATALOG_URL is required: one line naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(OfferCatalog.layer).pipe(
        Effect.provide(Layer.mergeAll(FetchHttpClient.layer, RateBudget.layerUnlimited)),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
      ))
      assert.strictEqual(error.message, "setting OFFER_CATALOG_URL: required, not set")
    }))
})

describe("OfferCatalog.layerTest / layerFixtures", () => {
  it.effect("the fake filters and orders like the catalog, and fails on demand", () =>
    Effect.gen(function*() {
      const search = (yield* OfferCatalog).search
      const fake = yield* CatalogFake
      fake.setOffers(catalog)
      assert.deepStrictEqual((yield* search(interest, today)).map((o) => o.id), ["OF-1", "OF-2", "OF-3"])
      fake.failNext(new CatalogUnavailable({ reason: "test", attempts: 4 }))
      assert.strictEqual((yield* Effect.flip(search(interest, today)))._tag, "CatalogUnavailable")
      assert.strictEqual(fake.searches().length, 2)
    }).pipe(Effect.provide(OfferCatalog.layerTest)))

  it.effect("layerFixtures: each interest of fixtures/course-interests.json has its number of offers", () =>
    Effect.gen(function*() {
      const { search } = yield* OfferCatalog
      const { readFileSync } = yield* Effect.promise(() => import("node:fs"))
      const fixture = JSON.parse(readFileSync("fixtures/course-interests.json", "utf8")) as {
        captationPeriod: number
        interests: ReadonlyArray<Omit<CourseInterest, "captationPeriod"> & { offers: number }>
      }
      for (const i of fixture.interests) {
        const found = yield* search({ ...i, captationPeriod: fixture.captationPeriod }, "2026-12-01")
        assert.strictEqual(found.length, i.offers, i.courseName)
      }
    }).pipe(Effect.provide(OfferCatalog.layerFixtures)))
})
