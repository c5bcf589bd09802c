// syncCourses: two offers -> to_register (options 1 and 2 in the catalog's order), fewer -> empty_course,
// catalog failure -> course_failed (retried by the next run); identical searches asked once per run.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { syncCourses } from "../../src/actions/syncCourses.ts"
import { CatalogFake, CatalogUnavailable, OfferCatalog } from "../../src/services/OfferCatalog.ts"
import type { Offer } from "../../src/domain/KrotonWire.ts"
import { databaseKinds } from "../support/database.ts"
import {
  coursesOf,
  cpfOf,
  followUpOf,
  insertLead,
  interestA,
  interestB,
  leadRow,
  offerFor,
  runStep,
  statusOf,
  TODAY,
  transitionsOf,
  withPipeline
} from "../support/pipeline.ts"

const interestC = { ...interestA, courseName: "PEDAGOGIA", monthlyPrice: 199.9 }
const interestD = { ...interestA, courseName: "MEDICINA VETERINARIA", modality: "PRESENCIAL", unitId: 106, monthlyPrice: 1890 }

const unavailable = new CatalogUnavailable({ reason: "503 Service Unavailable", attempts: 3 })

describe.each(databaseKinds)("syncCourses (%s)", (kind) => {
  it.effect("to_sync -> to_register with the first two offers; fewer than two -> empty_course; transitions recorded", () =>
    Effect.gen(function*() {
      const catalog = yield* CatalogFake
      catalog.setOffers([
        offerFor(interestA, "A-late", "2027-03-01", "COLABORAR"),
        offerFor(interestA, "A-soon", "2027-01-15", "COLABORAR"),
        offerFor(interestA, "A-mid", "2027-02-01", "OLIMPO"),
        offerFor(interestA, "A-closed", "2026-12-02"), // registration over: the catalog does not return it
        offerFor(interestB, "B-only", "2027-01-10", "OLIMPO")
      ])
      const two = yield* insertLead({ cpf: cpfOf(1), interest: interestA })
      const noGender = yield* insertLead({ cpf: cpfOf(2), interest: interestA, gender: null })
      const one = yield* insertLead({ cpf: cpfOf(3), interest: interestB })
      const none = yield* insertLead({ cpf: cpfOf(4), interest: interestD })
      const done = yield* insertLead({ cpf: cpfOf(5), interest: interestA, status: "registered" })

      const counts = yield* runStep(syncCourses, { runId: "run-sync-1", node: "syncCourses" })
      assert.deepStrictEqual(counts, { catalog_searches: 3, empty_course: 2, to_register: 2 })

      for (const id of [two, noGender]) {
        assert.strictEqual(yield* statusOf(id), "to_register")
        // the catalog's order (closing soonest first, as the fake answers): the first two hits
        assert.deepStrictEqual(yield* coursesOf(id), [
          { option: 1, offerId: "A-soon", sistema: "COLABORAR", registrationEndsOn: "2027-01-15" },
          { option: 2, offerId: "A-mid", sistema: "OLIMPO", registrationEndsOn: "2027-02-01" }
        ])
      }
      for (const id of [one, none]) {
        assert.strictEqual(yield* statusOf(id), "empty_course")
        assert.deepStrictEqual(yield* coursesOf(id), [])
      }
      assert.strictEqual(yield* statusOf(done), "registered")
      assert.strictEqual(catalog.searches().length, 3)
      assert.isTrue(catalog.searches().every((s) => s.today === TODAY))

      assert.deepStrictEqual(yield* transitionsOf(two), [
        { fromStatus: "to_sync", toStatus: "to_register", reason: "two offers found", runId: "run-sync-1", step: "syncCourses" }
      ])
      assert.deepStrictEqual(yield* transitionsOf(one), [
        { fromStatus: "to_sync", toStatus: "empty_course", reason: "1 offer(s) found, two required", runId: "run-sync-1", step: "syncCourses" }
      ])
      assert.deepStrictEqual((yield* transitionsOf(none))[0]!.reason, "0 offer(s) found, two required")
      assert.strictEqual((yield* leadRow(two)).statusReason, "two offers found")
      // syncCourses asks nothing of Kroton
      assert.isUndefined(yield* followUpOf(two))

      // a second run finds nothing left to do
      assert.deepStrictEqual(yield* runStep(syncCourses), {})
      assert.strictEqual(catalog.searches().length, 3)
    }).pipe(withPipeline(kind)))

  it.effect("the options follow the order the catalog returned, whatever the dates", () =>
    Effect.gen(function*() {
      const hits: ReadonlyArray<Offer> = [
        offerFor(interestA, "third-by-date", "2027-05-01", "OLIMPO"),
        offerFor(interestA, "first-by-date", "2027-01-01"),
        offerFor(interestA, "second-by-date", "2027-02-01")
      ].map(({ idUnidadeOrigem: _u, nmUnidade: _n, ...offer }) => offer)
      const id = yield* insertLead({ cpf: cpfOf(6) })
      yield* runStep(syncCourses).pipe(
        Effect.provideService(OfferCatalog, OfferCatalog.of({ search: () => Effect.succeed(hits) }))
      )
      assert.deepStrictEqual((yield* coursesOf(id)).map((c) => [c.option, c.offerId]), [[1, "third-by-date"], [2, "first-by-date"]])
    }).pipe(withPipeline(kind)))

  it.effect("catalog failure -> course_failed; the next run retries course_failed -> to_register", () =>
    Effect.gen(function*() {
      const catalog = yield* CatalogFake
      catalog.setOffers([offerFor(interestA, "A1", "2027-01-15"), offerFor(interestA, "A2", "2027-02-01")])
      const a = yield* insertLead({ cpf: cpfOf(7) })
      const b = yield* insertLead({ cpf: cpfOf(8) })
      catalog.failNext(unavailable)

      assert.deepStrictEqual(yield* runStep(syncCourses, { runId: "run-fail" }), { catalog_searches: 1, course_failed: 2 })
      for (const id of [a, b]) {
        assert.strictEqual(yield* statusOf(id), "course_failed")
        assert.deepStrictEqual(yield* coursesOf(id), [])
        const [t] = yield* transitionsOf(id)
        assert.deepStrictEqual(t, {
          fromStatus: "to_sync",
          toStatus: "course_failed",
          reason: "catalog: 503 Service Unavailable",
          runId: "run-fail",
          step: "step"
        })
      }
      // the failed search was asked once, not once per lead
      assert.strictEqual(catalog.searches().length, 1)

      assert.deepStrictEqual(yield* runStep(syncCourses, { runId: "run-retry" }), { catalog_searches: 1, to_register: 2 })
      for (const id of [a, b]) {
        assert.strictEqual(yield* statusOf(id), "to_register")
        assert.deepStrictEqual((yield* coursesOf(id)).map((c) => c.offerId), ["A1", "A2"])
        assert.deepStrictEqual((yield* transitionsOf(id)).map((t) => [t.fromStatus, t.toStatus, t.runId]), [
          ["to_sync", "course_failed", "run-fail"],
          ["course_failed", "to_register", "run-retry"]
        ])
      }
    }).pipe(withPipeline(kind)))

  it.effect("a retry that fails again stays course_failed; one that finds fewer than two ends empty_course", () =>
    Effect.gen(function*() {
      const catalog = yield* CatalogFake
      const a = yield* insertLead({ cpf: cpfOf(9), status: "course_failed" })
      const c = yield* insertLead({ cpf: cpfOf(10), status: "course_failed", interest: interestC })
      catalog.setOffers([offerFor(interestC, "C1", "2027-01-15")])
      // the search for a (asked first or second) fails; c's is answered with one offer
      let asked = 0
      yield* runStep(syncCourses).pipe(
        Effect.provideService(OfferCatalog, OfferCatalog.of({
          search: (interest, today) => {
            asked++
            return interest.courseName === interestA.courseName
              ? Effect.fail(unavailable)
              : Effect.succeed([offerFor(interestC, "C1", "2027-01-15")].filter((o) => o.dtTerminoInscricao >= today))
          }
        }))
      )
      assert.strictEqual(asked, 2)
      assert.strictEqual(yield* statusOf(a), "course_failed")
      assert.strictEqual(yield* statusOf(c), "empty_course")
      // course_failed -> course_failed is not a move: no transition row, the reason is refreshed
      assert.deepStrictEqual(yield* transitionsOf(a), [])
      assert.strictEqual((yield* leadRow(a)).statusReason, "catalog: 503 Service Unavailable")
      assert.deepStrictEqual((yield* transitionsOf(c)).map((t) => [t.fromStatus, t.toStatus]), [["course_failed", "empty_course"]])
    }).pipe(withPipeline(kind)))

  it.effect("registration still open today in São Paulo counts (the date is Brazil's, not UTC's)", () =>
    Effect.gen(function*() {
      // 2026-12-03 02:00 UTC is still 2026-12-02 in São Paulo
      yield* TestClock.setTime(Date.parse("2026-12-03T02:00:00Z"))
      const catalog = yield* CatalogFake
      catalog.setOffers([offerFor(interestA, "last-day", "2026-12-02"), offerFor(interestA, "later", "2027-01-15")])
      const id = yield* insertLead({ cpf: cpfOf(11) })
      assert.deepStrictEqual(yield* runStep(syncCourses), { catalog_searches: 1, to_register: 1 })
      assert.deepStrictEqual(catalog.searches().map((s) => s.today), ["2026-12-02"])
      assert.deepStrictEqual((yield* coursesOf(id)).map((c) => c.offerId), ["last-day", "later"])
    }).pipe(withPipeline(kind)))

  it.effect("identical searches are asked once per run, across batches", () =>
    Effect.gen(function*() {
      const catalog = yield* CatalogFake
      catalog.setOffers([
        offerFor(interestA, "A1", "2027-01-15"),
        offerFor(interestA, "A2", "2027-02-01"),
        offerFor(interestB, "B1", "2027-01-15", "OLIMPO"),
        offerFor(interestB, "B2", "2027-02-01", "OLIMPO"),
        offerFor(interestC, "C1", "2027-02-01")
      ])
      const interests = [interestA, interestB, interestA, interestC, interestA, interestB, interestA, interestC, interestA]
      const ids = yield* Effect.forEach(interests, (interest, i) => insertLead({ cpf: cpfOf(100 + i), interest }))

      const counts = yield* runStep(syncCourses)
      const distinct = new Set(interests.map((i) => i.courseName)).size
      assert.strictEqual(catalog.searches().length, distinct)
      assert.deepStrictEqual(counts, { catalog_searches: distinct, empty_course: 2, to_register: 7 })
      for (const [i, id] of ids.entries()) {
        assert.strictEqual(yield* statusOf(id), interests[i] === interestC ? "empty_course" : "to_register")
      }
    }).pipe(withPipeline(kind, { settings: { batchSize: 2 } })))
})
