// Dry-run of each action (StepContext.standalone({ dryRun: true })): the planned outcomes are counted, nothing is
// written anywhere (every table compared before and after), nothing is posted.
import { assert, describe, it } from "@effect/vitest"
import { Console, Duration, Effect } from "effect"
import { checker, followUpAfterRegister } from "../../src/actions/checker.ts"
import { fixData } from "../../src/actions/fixData.ts"
import { register } from "../../src/actions/register.ts"
import { syncCourses } from "../../src/actions/syncCourses.ts"
import { StepContext } from "../../src/dag/StepContext.ts"
import { CatalogFake } from "../../src/services/OfferCatalog.ts"
import { KrotonFake } from "../../src/services/KrotonApi.ts"
import { databaseKinds } from "../support/database.ts"
import {
  CensusCalls,
  cpfOf,
  dumpAllTables,
  insertFollowUp,
  insertLead,
  insertOpenAttempt,
  insertReadyLead,
  inscription,
  interestA,
  interestB,
  NOW,
  offerFor,
  runStep,
  withPipeline
} from "../support/pipeline.ts"

const dryRun = <A, E, R>(action: Effect.Effect<A, E, R>, limit?: number) =>
  Effect.provideService(action, StepContext, StepContext.standalone({ dryRun: true, ...(limit === undefined ? {} : { limit }) }))

/** A small world with work in every queue. */
const seedWorld = Effect.gen(function*() {
  const kroton = yield* KrotonFake
  const catalog = yield* CatalogFake
  catalog.setOffers([offerFor(interestA, "A1", "2027-01-15"), offerFor(interestA, "A2", "2027-02-01")])
  // fixData and syncCourses
  yield* insertLead({ cpf: cpfOf(1), name: "Maria Souza", gender: null })
  yield* insertLead({ cpf: cpfOf(2), name: "Ariel Souza", gender: null, status: "course_failed" })
  yield* insertLead({ cpf: cpfOf(3), name: "João Souza", interest: interestB })
  // checker before register and register
  yield* insertReadyLead({ cpf: cpfOf(4) })
  yield* insertReadyLead({ cpf: cpfOf(5) })
  kroton.seed(cpfOf(5), { inscricoes: [inscription("Aluno")] })
  const unknown = yield* insertReadyLead({ cpf: cpfOf(6), lastCheck: NOW })
  yield* insertOpenAttempt(unknown)
  yield* insertReadyLead({ cpf: cpfOf(7), lastCheck: NOW })
  // follow-ups
  const awaiting = yield* insertLead({ cpf: cpfOf(8), status: "awaiting_register" })
  yield* insertFollowUp(awaiting, "INS-8", "OLIMPO")
  kroton.setInscription("INS-8", "OLIMPO", { success: true, inscricaoId: "INS-8", status: "SUCCESS" })
  yield* insertLead({ cpf: cpfOf(9), status: "registered" })
  kroton.seed(cpfOf(9), { inscricoes: [inscription("Desclassificado")] })
})

describe.each(databaseKinds)("dry-run (%s)", (kind) => {
  it.effect("every action counts what it would do and writes nothing; register posts nothing", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const catalog = yield* CatalogFake
      yield* seedWorld
      const before = yield* dumpAllTables

      assert.deepStrictEqual(yield* dryRun(fixData), { ambiguous: 1, inferred_F: 1 })
      assert.deepStrictEqual(yield* dryRun(syncCourses), { catalog_searches: 2, empty_course: 1, to_register: 2 })
      assert.deepStrictEqual(yield* dryRun(checker), {
        already_enrolled: 1,
        dropped: 1,
        not_known: 1,
        registered: 1
      })
      assert.deepStrictEqual(yield* dryRun(followUpAfterRegister), { dropped: 1, registered: 1 })
      const printed: Array<string> = []
      const recordingConsole: Console.Console = { ...globalThis.console, log: (...args) => void printed.push(args.join(" ")) }
      assert.deepStrictEqual(
        yield* dryRun(register).pipe(Effect.provideService(Console.Console, recordingConsole)),
        { already_enrolled: 1, would_post: 3 }
      )
      // the payloads it would post are shown, with CPF, e-mail and phone masked
      assert.strictEqual(printed.length, 3)
      for (const n of [4, 6, 7]) {
        const cpf = cpfOf(n)
        const line = printed.find((l) => l.includes(`"cpf":"***.${cpf.slice(3, 6)}.***-**"`))
        assert.isDefined(line, `payload of lead ${n}`)
        assert.notInclude(line!, `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}`)
        assert.notInclude(line!, `lead${cpf}@example.com`)
        assert.notInclude(line!, "11975405666")
        assert.include(line!, "*******5666")
      }

      assert.deepStrictEqual(yield* dumpAllTables, before)
      assert.deepStrictEqual(kroton.postsByCpf(), new Map())
      assert.isFalse(kroton.calls().some((c) => c.call === "register"))
      // the upstreams were read, as a real run would
      assert.isAbove(catalog.searches().length, 0)
      assert.isAbove((yield* CensusCalls).names().length, 0)

      // and a real run afterwards does what the dry-run planned
      assert.deepStrictEqual(yield* runStep(fixData), { ambiguous: 1, inferred_F: 1 })
      assert.deepStrictEqual(yield* runStep(syncCourses), { catalog_searches: 2, empty_course: 1, to_register: 2 })
    }).pipe(withPipeline(kind, { census: { table: { maria: 0.99, ariel: 0.5 } } })))

  it.effect("a dry-run with --limit looks at that many leads", () =>
    Effect.gen(function*() {
      yield* seedWorld
      const before = yield* dumpAllTables
      // the first two leads (same interest: one search), not the third
      assert.deepStrictEqual(yield* dryRun(syncCourses, 2), { catalog_searches: 1, to_register: 2 })
      assert.deepStrictEqual(yield* dryRun(register, 1), { would_post: 1 })
      assert.deepStrictEqual(yield* dumpAllTables, before)
    }).pipe(withPipeline(kind, { settings: { batchSize: 1, krotonBatchSize: 1, checkInterval: Duration.hours(20) } })))
})
