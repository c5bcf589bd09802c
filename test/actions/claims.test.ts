// Claims: two runs walking the same queue at the same time never take the same lead; two different queues over the
// same leads at the same time both process every lead. A rendezvous makes the overlap certain (no timing): the
// first upstream call waits until the other walk is inside an upstream call too, i.e. both hold claimed leads.
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect } from "effect"
import { checker } from "../../src/actions/checker.ts"
import { fixData } from "../../src/actions/fixData.ts"
import { register } from "../../src/actions/register.ts"
import { syncCourses } from "../../src/actions/syncCourses.ts"
import { decide, GenderCensus } from "../../src/services/GenderCensus.ts"
import { KrotonApi, KrotonFake } from "../../src/services/KrotonApi.ts"
import { CatalogFake, OfferCatalog } from "../../src/services/OfferCatalog.ts"
import { firstName } from "../../src/domain/FirstName.ts"
import type { Counts } from "../../src/dag/Node.ts"
import { databaseKinds } from "../support/database.ts"
import {
  cpfOf,
  insertLead,
  insertReadyLead,
  interestA,
  leadRow,
  NOW,
  offerFor,
  runStep,
  statusOf,
  withPipeline
} from "../support/pipeline.ts"

/** Blocks callers until `parties` of them are inside at once; open for good afterwards. */
const makeRendezvous = (parties: number) =>
  Effect.map(Deferred.make<void>(), (open) => {
    let inside = 0
    return <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.suspend(() => {
        inside++
        return (inside >= parties ? Deferred.succeed(open, undefined) : Effect.void).pipe(
          Effect.andThen(Deferred.await(open)),
          Effect.ensuring(Effect.sync(() => inside--)),
          Effect.andThen(effect)
        )
      })
  })

const total = (...counts: ReadonlyArray<Counts>) =>
  counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0)

/** Distinct census first names: "Nomeab", "Nomeac", ... */
const nameOf = (i: number) => `Nome${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`

const LEADS = 20
const twoRuns = { concurrency: 2 } as const

describe.each(databaseKinds)("claims (%s)", (kind) => {
  it.effect("fixData: two runs at once never take the same lead", () =>
    Effect.gen(function*() {
      const gate = yield* makeRendezvous(2)
      const asked = new Map<string, number>()
      const census = GenderCensus.of({
        infer: (fullName) =>
          gate(Effect.sync(() => {
            const name = firstName(fullName)
            asked.set(name, (asked.get(name) ?? 0) + 1)
            return decide(name, 0.99, 0.9, "table")
          }))
      })
      for (let i = 0; i < LEADS; i++) yield* insertLead({ cpf: cpfOf(i + 1), name: `${nameOf(i)} Silva`, gender: null })

      const [a, b] = yield* Effect.all([
        runStep(fixData, { runId: "run-a" }),
        runStep(fixData, { runId: "run-b" })
      ], twoRuns).pipe(Effect.provideService(GenderCensus, census))
      assert.strictEqual(asked.size, LEADS)
      assert.isTrue([...asked.values()].every((n) => n === 1), JSON.stringify([...asked]))
      assert.strictEqual(total(a, b), LEADS)
      assert.isAbove(total(a), 0)
      assert.isAbove(total(b), 0)
      for (let i = 0; i < LEADS; i++) assert.strictEqual((yield* leadRow(i + 1)).gender, "F")
    }).pipe(withPipeline(kind, { settings: { batchSize: 3, concurrency: 1 } })))

  it.effect("syncCourses and checker: two runs at once never take the same lead", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const catalog = yield* CatalogFake
      catalog.setOffers([offerFor(interestA, "A1", "2027-01-15"), offerFor(interestA, "A2", "2027-02-01")])
      for (let i = 0; i < LEADS; i++) yield* insertLead({ cpf: cpfOf(i + 1) })

      // syncCourses asks once per search per run: the runs meet in their first search
      const syncGate = yield* makeRendezvous(2)
      const fakeCatalog = yield* OfferCatalog
      const [a, b] = yield* Effect.all([
        runStep(syncCourses, { runId: "sync-a" }),
        runStep(syncCourses, { runId: "sync-b" })
      ], twoRuns).pipe(
        Effect.provideService(OfferCatalog, OfferCatalog.of({ search: (i, d) => syncGate(fakeCatalog.search(i, d)) }))
      )
      const moved = (a["to_register"] ?? 0) + (b["to_register"] ?? 0)
      assert.strictEqual(moved, LEADS)
      assert.isAbove(a["to_register"] ?? 0, 0)
      assert.isAbove(b["to_register"] ?? 0, 0)
      for (let i = 0; i < LEADS; i++) assert.strictEqual(yield* statusOf(i + 1), "to_register")

      // checker before register: each CPF asked once (one lookup of each kind)
      const checkGate = yield* makeRendezvous(2)
      const api = yield* KrotonApi
      const gated = KrotonApi.of({ ...api, inscriptionsByCpf: (cpf) => checkGate(api.inscriptionsByCpf(cpf)) })
      const [c, d] = yield* Effect.all([
        runStep(checker, { runId: "check-a" }),
        runStep(checker, { runId: "check-b" })
      ], twoRuns).pipe(Effect.provideService(KrotonApi, gated))
      assert.strictEqual(total(c, d), LEADS)
      assert.isAbove(total(c), 0)
      assert.isAbove(total(d), 0)
      for (let i = 0; i < LEADS; i++) {
        const calls = kroton.calls().filter((call) => call.cpf === cpfOf(i + 1)).map((call) => call.call)
        assert.sameMembers(calls, ["inscriptionsByCpf", "matriculasByCpf"], `lead ${i + 1}`)
        assert.strictEqual((yield* leadRow(i + 1)).lastCheck, NOW)
      }
    }).pipe(withPipeline(kind, { settings: { batchSize: 3, krotonBatchSize: 3, concurrency: 1 } })))

  it.effect("register: two runs at once never post a CPF twice", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const gate = yield* makeRendezvous(2)
      const api = yield* KrotonApi
      for (let i = 0; i < LEADS; i++) yield* insertReadyLead({ cpf: cpfOf(i + 1), lastCheck: NOW })
      const [a, b] = yield* Effect.all([
        runStep(register, { runId: "reg-a" }),
        runStep(register, { runId: "reg-b" })
      ], twoRuns).pipe(Effect.provideService(KrotonApi, KrotonApi.of({ ...api, register: (p) => gate(api.register(p)) })))
      assert.strictEqual((a["registered"] ?? 0) + (b["registered"] ?? 0), LEADS)
      assert.isAbove(a["registered"] ?? 0, 0)
      assert.isAbove(b["registered"] ?? 0, 0)
      assert.strictEqual(kroton.postsByCpf().size, LEADS)
      assert.isTrue([...kroton.postsByCpf().values()].every((n) => n === 1))
    }).pipe(withPipeline(kind, { settings: { krotonBatchSize: 3, concurrency: 1 } })))

  it.effect("fixData and syncCourses at once on the same leads: both process every lead", () =>
    Effect.gen(function*() {
      const catalog = yield* CatalogFake
      catalog.setOffers([offerFor(interestA, "A1", "2027-01-15"), offerFor(interestA, "A2", "2027-02-01")])
      for (let i = 0; i < LEADS; i++) yield* insertLead({ cpf: cpfOf(i + 1), name: `${nameOf(i)} Silva`, gender: null })
      // the census waits for the catalog and the other way round: both steps hold the same leads at once
      const gate = yield* makeRendezvous(2)
      const fakeCatalog = yield* OfferCatalog
      const census = GenderCensus.of({ infer: (fullName) => gate(Effect.sync(() => decide(firstName(fullName), 0.02, 0.9, "table"))) })

      const [fixed, synced] = yield* Effect.all([
        runStep(fixData, { runId: "run-1", node: "fixData" }),
        runStep(syncCourses, { runId: "run-1", node: "syncCourses" })
      ], twoRuns).pipe(
        Effect.provideService(GenderCensus, census),
        Effect.provideService(OfferCatalog, OfferCatalog.of({ search: (i, d) => gate(fakeCatalog.search(i, d)) }))
      )
      assert.deepStrictEqual(fixed, { inferred_M: LEADS })
      assert.deepStrictEqual(synced, { catalog_searches: 1, to_register: LEADS })
      for (let i = 0; i < LEADS; i++) {
        const row = yield* leadRow(i + 1)
        assert.strictEqual(row.gender, "M")
        assert.strictEqual(row.genderSource, "census")
        assert.strictEqual(row.status, "to_register")
      }
    }).pipe(withPipeline(kind, { settings: { batchSize: LEADS, concurrency: 1 } })))
})
