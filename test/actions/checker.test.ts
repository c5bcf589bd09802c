// checker: before register, a ready lead Kroton knows is moved per the spec's tables and never posted; after
// register, inscriptions are followed by code (awaiting_register) and by CPF (registered).
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import { checker, followUpAfterRegister } from "../../src/actions/checker.ts"
import type { EnrollmentResponse, Sistema } from "../../src/domain/KrotonWire.ts"
import { classificationStatus, type Status } from "../../src/domain/Status.ts"
import { KrotonBadAnswer, KrotonFake, KrotonUnavailable } from "../../src/services/KrotonApi.ts"
import { databaseKinds } from "../support/database.ts"
import {
  attemptsOf,
  cpfOf,
  followUpOf,
  insertFollowUp,
  insertLead,
  insertOpenAttempt,
  insertReadyLead,
  inscription,
  leadRow,
  NOW,
  runStep,
  statusOf,
  transitionsOf,
  withPipeline
} from "../support/pipeline.ts"

const activeMatricula = { id: "MAT-1", curso: "ADMINISTRACAO", unidade: "Unidade 101", status: "ATIVA" }

/** Kroton calls made for one CPF. */
const callsFor = (fake: KrotonFake["Service"], cpf: string) => fake.calls().filter((c) => c.cpf === cpf).map((c) => c.call)

const unavailable = new KrotonUnavailable({ endpoint: "GET /inscricao/cpf/{cpf}", reason: "503", attempts: 3 })

describe.each(databaseKinds)("checker before register (%s)", (kind) => {
  it.effect("a ready lead Kroton knows moves per the classification table and gets a follow-up with the source", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const table = Object.entries(classificationStatus)
      const leads = yield* Effect.forEach(table, ([descricao, status], i) =>
        Effect.gen(function*() {
          const cpf = cpfOf(i + 1)
          const id = yield* insertReadyLead({ cpf })
          kroton.seed(cpf, { inscricoes: [inscription(descricao, `INS-${i}`, i % 2 === 0 ? "COLABORAR" : "OLIMPO")] })
          return { id, cpf, descricao, status, inscriptionId: `INS-${i}`, sistema: i % 2 === 0 ? "COLABORAR" : "OLIMPO" }
        }))
      const enrolledByMatricula = yield* insertReadyLead({ cpf: cpfOf(50) })
      kroton.seed(cpfOf(50), { matriculas: [activeMatricula], inscricoes: [inscription("Ausente", "INS-M")] })

      const counts = yield* runStep(checker, { runId: "run-check", node: "checker" })
      assert.deepStrictEqual(counts, { already_dropped: 2, already_enrolled: 3, already_registered: 4 })

      for (const lead of leads) {
        const row = yield* leadRow(lead.id)
        assert.strictEqual(row.status, lead.status, lead.descricao)
        assert.strictEqual(row.lastCheck, NOW)
        assert.isNull(row.sentAt)
        const followUp = (yield* followUpOf(lead.id))!
        assert.strictEqual(followUp.krotonSubscriptionId, lead.inscriptionId)
        assert.strictEqual(followUp.krotonSubscriptionDealerId, lead.sistema)
        assert.deepStrictEqual(followUp.source, {
          inscricoes: [inscription(lead.descricao, lead.inscriptionId, lead.sistema as Sistema)],
          matriculas: []
        })
        assert.deepStrictEqual(yield* transitionsOf(lead.id), [{
          fromStatus: "to_register",
          toStatus: lead.status,
          reason: `already inscribed at Kroton (${lead.status})`,
          runId: "run-check",
          step: "checker"
        }])
      }
      // an active matricula means enrolled, whatever the classification says
      assert.strictEqual(yield* statusOf(enrolledByMatricula), "enrolled")
      assert.deepStrictEqual((yield* transitionsOf(enrolledByMatricula)).map((t) => t.reason), [
        "already enrolled at Kroton (active matricula)"
      ])
      assert.deepStrictEqual((yield* followUpOf(enrolledByMatricula))!.source.matriculas, [activeMatricula])
      // nothing was posted
      assert.strictEqual(kroton.postsByCpf().size, 0)
    }).pipe(withPipeline(kind)))

  it.effect("a batch whose only known lead has a matricula and no inscription: enrolled, follow-up without code", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const id = yield* insertReadyLead({ cpf: cpfOf(1) })
      kroton.seed(cpfOf(1), { matriculas: [activeMatricula] })
      assert.deepStrictEqual(yield* runStep(checker), { already_enrolled: 1 })
      assert.strictEqual(yield* statusOf(id), "enrolled")
      const followUp = (yield* followUpOf(id))!
      assert.isNull(followUp.krotonSubscriptionId)
      assert.isNull(followUp.krotonSubscriptionDealerId)
      assert.deepStrictEqual(followUp.source, { inscricoes: [], matriculas: [activeMatricula] })
    }).pipe(withPipeline(kind)))

  it.effect("an unknown CPF stays to_register with last_check set; an unknown classification still means inscribed", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const unknown = yield* insertReadyLead({ cpf: cpfOf(1) })
      const odd = yield* insertReadyLead({ cpf: cpfOf(2) })
      kroton.seed(cpfOf(2), { inscricoes: [inscription("Transferido")] })

      assert.deepStrictEqual(yield* runStep(checker), { already_registered_unknown_classification: 1, not_known: 1 })
      const row = yield* leadRow(unknown)
      assert.strictEqual(row.status, "to_register")
      assert.strictEqual(row.lastCheck, NOW)
      assert.strictEqual(row.statusReason, "not known at Kroton")
      assert.deepStrictEqual(yield* transitionsOf(unknown), [])
      assert.isUndefined(yield* followUpOf(unknown))
      assert.sameMembers(callsFor(kroton, cpfOf(1)), ["inscriptionsByCpf", "matriculasByCpf"])

      assert.strictEqual(yield* statusOf(odd), "registered")
      assert.include((yield* transitionsOf(odd))[0]!.reason, "unknown classification \"Transferido\"")
    }).pipe(withPipeline(kind)))

  it.effect("a lead checked less than CHECK_INTERVAL ago is not asked; after the interval it is", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const recent = yield* insertReadyLead({ cpf: cpfOf(1), lastCheck: NOW - Duration.toMillis(Duration.hours(19)) })
      const stale = yield* insertReadyLead({ cpf: cpfOf(2), lastCheck: NOW - Duration.toMillis(Duration.hours(21)) })
      const never = yield* insertReadyLead({ cpf: cpfOf(3) })

      assert.deepStrictEqual(yield* runStep(checker), { not_known: 2 })
      assert.deepStrictEqual(callsFor(kroton, cpfOf(1)), [])
      assert.strictEqual(callsFor(kroton, cpfOf(2)).length, 2)
      assert.strictEqual(callsFor(kroton, cpfOf(3)).length, 2)
      assert.strictEqual((yield* leadRow(recent)).lastCheck, NOW - Duration.toMillis(Duration.hours(19)))
      assert.strictEqual((yield* leadRow(stale)).lastCheck, NOW)
      assert.strictEqual((yield* leadRow(never)).lastCheck, NOW)

      // an hour later (20 h interval): only the first is due
      yield* TestClock.adjust(Duration.hours(1).pipe(Duration.sum(Duration.seconds(1))))
      assert.deepStrictEqual(yield* runStep(checker), { not_known: 1 })
      assert.strictEqual(callsFor(kroton, cpfOf(1)).length, 2)
      assert.strictEqual(callsFor(kroton, cpfOf(2)).length, 2)
      assert.strictEqual(callsFor(kroton, cpfOf(3)).length, 2)
    }).pipe(withPipeline(kind)))

  it.effect("CHECK_INTERVAL 0 asks every time", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      yield* insertReadyLead({ cpf: cpfOf(1), lastCheck: NOW - 1 })
      for (let run = 1; run <= 3; run++) {
        assert.deepStrictEqual(yield* runStep(checker), { not_known: 1 })
        assert.strictEqual(callsFor(kroton, cpfOf(1)).length, 2 * run)
        yield* TestClock.adjust(Duration.millis(1))
      }
    }).pipe(withPipeline(kind, { settings: { checkInterval: Duration.zero } })))

  it.effect("Kroton failures leave the lead unchanged and are counted", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const a = yield* insertReadyLead({ cpf: cpfOf(1) })
      const b = yield* insertReadyLead({ cpf: cpfOf(2) })
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Aluno")] })
      kroton.seed(cpfOf(2), { inscricoes: [inscription("Aluno")] })
      const before = [yield* leadRow(a), yield* leadRow(b)]
      kroton.failNext("inscriptionsByCpf", unavailable)
      kroton.failNext("matriculasByCpf", new KrotonBadAnswer({ endpoint: "GET /matricula/cpf/{cpf}", status: 200, problem: "not JSON" }))

      const counts = yield* runStep(checker, { runId: "run-down" })
      // both leads' lookups failed (one call each): the first failure decides the count
      assert.strictEqual((counts["kroton_unavailable"] ?? 0) + (counts["kroton_bad_answer"] ?? 0), 2)
      assert.deepStrictEqual([yield* leadRow(a), yield* leadRow(b)], before)
      assert.deepStrictEqual(yield* transitionsOf(a), [])
      assert.isUndefined(yield* followUpOf(a))

      // not checked: the next run asks again and moves them
      assert.deepStrictEqual(yield* runStep(checker, { runId: "run-up" }), { already_enrolled: 2 })
      assert.strictEqual(yield* statusOf(a), "enrolled")
      assert.strictEqual(yield* statusOf(b), "enrolled")
    }).pipe(withPipeline(kind, { settings: { concurrency: 1 } })))

  it.effect("a ready lead with an open register attempt that Kroton knows: the attempt is closed as reconciled", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      // crashes after the POST: the outcome of each is unknown
      const known = yield* insertReadyLead({ cpf: cpfOf(1) })
      const knownAttempt = yield* insertOpenAttempt(known)
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Inscrito", "INS-CRASH")] })
      const unknown = yield* insertReadyLead({ cpf: cpfOf(2) })
      yield* insertOpenAttempt(unknown)

      assert.deepStrictEqual(yield* runStep(checker), { already_registered: 1, not_known: 1 })
      assert.strictEqual(yield* statusOf(known), "registered")
      assert.deepStrictEqual((yield* attemptsOf(known)).map((a) => [a.id, a.outcome, a.finished]), [[knownAttempt, "reconciled", true]])
      // not known: the attempt stays open, register reconciles it again before any POST
      assert.strictEqual(yield* statusOf(unknown), "to_register")
      assert.deepStrictEqual((yield* attemptsOf(unknown)).map((a) => [a.outcome, a.finished]), [["unknown", false]])
    }).pipe(withPipeline(kind)))

  it.effect("a lead without gender or in another status is not asked before register", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      yield* insertReadyLead({ cpf: cpfOf(1), gender: null })
      yield* insertLead({ cpf: cpfOf(2), status: "to_sync" })
      yield* insertLead({ cpf: cpfOf(3), status: "register_failed" })
      yield* insertLead({ cpf: cpfOf(4), status: "enrolled" })
      assert.deepStrictEqual(yield* runStep(checker), {})
      assert.deepStrictEqual(kroton.calls(), [])
    }).pipe(withPipeline(kind)))
})

const response = (status: EnrollmentResponse["status"], message?: string): EnrollmentResponse => ({
  success: status !== "ERROR",
  inscricaoId: "8000123",
  status,
  ...(message === undefined ? {} : { message })
})

describe.each(databaseKinds)("checker follow-up (%s)", (kind) => {
  it.effect("awaiting_register by inscription code: NEW/PROCESSING stay, ERROR -> failed, SUCCESS -> registered", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const cases: ReadonlyArray<readonly [EnrollmentResponse["status"], Status, string]> = [
        ["NEW", "awaiting_register", "still_processing"],
        ["PROCESSING", "awaiting_register", "still_processing"],
        ["ERROR", "failed", "failed"],
        ["SUCCESS", "registered", "registered"]
      ]
      const leads = yield* Effect.forEach(cases, ([state, to], i) =>
        Effect.gen(function*() {
          const code = `INS-${state}`
          const sistema: Sistema = i % 2 === 0 ? "COLABORAR" : "OLIMPO"
          const id = yield* insertLead({ cpf: cpfOf(i + 1), status: "awaiting_register" })
          yield* insertFollowUp(id, code, sistema, { register: { status: "NEW" } })
          kroton.setInscription(code, sistema, { ...response(state, state === "ERROR" ? "documento inválido" : undefined), inscricaoId: code })
          return { id, state, to, code, sistema }
        }))

      const counts = yield* runStep(followUpAfterRegister, { runId: "run-follow", node: "followUp" })
      assert.deepStrictEqual(counts, { failed: 1, registered: 1, still_processing: 2 })
      for (const lead of leads) {
        const row = yield* leadRow(lead.id)
        assert.strictEqual(row.status, lead.to, lead.state)
        assert.strictEqual(row.lastCheck, NOW)
        const followUp = (yield* followUpOf(lead.id))!
        // what the by-code route said is kept next to what register got
        assert.deepStrictEqual(followUp.source.register, { status: "NEW" })
        assert.strictEqual(followUp.source.inscricao.status, lead.state)
        assert.strictEqual(followUp.krotonSubscriptionId, lead.code)
      }
      // asked by code, never by CPF
      assert.deepStrictEqual([...new Set(kroton.calls().map((c) => c.call))], ["inscriptionByCode"])
      assert.deepStrictEqual(yield* transitionsOf(leads[0]!.id), [])
      assert.strictEqual((yield* leadRow(leads[0]!.id)).statusReason, "inscription NEW")
      assert.deepStrictEqual(yield* transitionsOf(leads[2]!.id), [{
        fromStatus: "awaiting_register",
        toStatus: "failed",
        reason: "inscription ERROR: documento inválido",
        runId: "run-follow",
        step: "followUp"
      }])
      assert.deepStrictEqual((yield* transitionsOf(leads[3]!.id)).map((t) => [t.fromStatus, t.toStatus, t.reason]), [
        ["awaiting_register", "registered", "inscription SUCCESS"]
      ])
    }).pipe(withPipeline(kind)))

  it.effect("awaiting_register whose code Kroton does not know stays, with the reason", () =>
    Effect.gen(function*() {
      const id = yield* insertLead({ cpf: cpfOf(1), status: "awaiting_register" })
      yield* insertFollowUp(id, "INS-LOST", "OLIMPO")
      assert.deepStrictEqual(yield* runStep(checker), { inscription_unknown: 1 })
      const row = yield* leadRow(id)
      assert.strictEqual(row.status, "awaiting_register")
      assert.strictEqual(row.statusReason, "Kroton does not know the inscription code")
    }).pipe(withPipeline(kind)))

  it.effect("registered by CPF: Aluno/Convocado -> enrolled, Ausente/Desclassificado -> dropped, matricula -> enrolled", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const cases: ReadonlyArray<readonly [string, Status]> = [
        ["Aluno", "enrolled"],
        ["Convocado", "enrolled"],
        ["Ausente", "dropped"],
        ["Desclassificado", "dropped"],
        ["Inscrito", "registered"],
        ["Classificado", "registered"]
      ]
      const leads = yield* Effect.forEach(cases, ([descricao, to], i) =>
        Effect.gen(function*() {
          const id = yield* insertLead({ cpf: cpfOf(i + 1), status: "registered" })
          yield* insertFollowUp(id, `INS-${i}`, "COLABORAR", { register: { status: "SUCCESS" } })
          kroton.seed(cpfOf(i + 1), { inscricoes: [inscription(descricao, `INS-${i}`)] })
          return { id, descricao, to }
        }))
      const matricula = yield* insertLead({ cpf: cpfOf(20), status: "registered" })
      kroton.seed(cpfOf(20), { inscricoes: [inscription("Inscrito")], matriculas: [activeMatricula] })
      // an inactive matricula means nothing
      const inactive = yield* insertLead({ cpf: cpfOf(21), status: "registered" })
      kroton.seed(cpfOf(21), { inscricoes: [inscription("Inscrito")], matriculas: [{ ...activeMatricula, status: "CANCELADA" }] })

      const counts = yield* runStep(checker, { runId: "run-daily", node: "checker" })
      assert.deepStrictEqual(counts, { dropped: 2, enrolled: 3, unchanged: 3 })
      for (const lead of leads) {
        assert.strictEqual(yield* statusOf(lead.id), lead.to, lead.descricao)
        assert.strictEqual((yield* leadRow(lead.id)).lastCheck, NOW)
        const followUp = (yield* followUpOf(lead.id))!
        assert.deepStrictEqual(followUp.source.inscricoes, [inscription(lead.descricao, followUp.krotonSubscriptionId!)])
        assert.deepStrictEqual(followUp.source.register, { status: "SUCCESS" })
      }
      assert.deepStrictEqual(yield* transitionsOf(leads[0]!.id), [
        { fromStatus: "registered", toStatus: "enrolled", reason: "classification: enrolled", runId: "run-daily", step: "checker" }
      ])
      assert.deepStrictEqual(yield* transitionsOf(leads[4]!.id), [])
      assert.strictEqual(yield* statusOf(matricula), "enrolled")
      assert.deepStrictEqual((yield* transitionsOf(matricula)).map((t) => t.reason), ["active matricula"])
      assert.strictEqual(yield* statusOf(inactive), "registered")
    }).pipe(withPipeline(kind)))

  it.effect("an unknown classification keeps the status (no guess), with the reason; so does no inscription", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const odd = yield* insertLead({ cpf: cpfOf(1), status: "registered" })
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Remanejado")] })
      const gone = yield* insertLead({ cpf: cpfOf(2), status: "registered" })
      // awaiting_register without an inscription code is followed by CPF
      const noCode = yield* insertLead({ cpf: cpfOf(3), status: "awaiting_register" })
      kroton.seed(cpfOf(3), { inscricoes: [inscription("Sem classificação")] })

      assert.deepStrictEqual(yield* runStep(checker), { not_found: 1, unknown_classification: 2 })
      for (const [id, status] of [[odd, "registered"], [noCode, "awaiting_register"]] as const) {
        const row = yield* leadRow(id)
        assert.strictEqual(row.status, status)
        assert.strictEqual(row.lastCheck, NOW)
        assert.include(row.statusReason!, "unknown classification")
        assert.deepStrictEqual(yield* transitionsOf(id), [])
      }
      assert.strictEqual((yield* leadRow(odd)).statusReason, "unknown classification \"Remanejado\"")
      const row = yield* leadRow(gone)
      assert.strictEqual(row.status, "registered")
      assert.strictEqual(row.statusReason, "Kroton returned no inscription for the CPF")
    }).pipe(withPipeline(kind)))

  it.effect("follow-ups are due once per CHECK_INTERVAL, least recently checked first", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const older = yield* insertLead({ cpf: cpfOf(1), status: "registered", lastCheck: NOW - Duration.toMillis(Duration.hours(30)) })
      const newer = yield* insertLead({ cpf: cpfOf(2), status: "registered", lastCheck: NOW - Duration.toMillis(Duration.hours(25)) })
      const recent = yield* insertLead({ cpf: cpfOf(3), status: "registered", lastCheck: NOW - Duration.toMillis(Duration.hours(2)) })
      for (const n of [1, 2, 3]) kroton.seed(cpfOf(n), { inscricoes: [inscription("Inscrito")] })

      // --limit 1: the least recently checked lead is the one asked
      assert.deepStrictEqual(yield* runStep(checker, { limit: 1 }), { unchanged: 1 })
      assert.strictEqual((yield* leadRow(older)).lastCheck, NOW)
      assert.strictEqual((yield* leadRow(newer)).lastCheck, NOW - Duration.toMillis(Duration.hours(25)))
      assert.deepStrictEqual(yield* runStep(checker), { unchanged: 1 })
      assert.strictEqual((yield* leadRow(newer)).lastCheck, NOW)
      assert.deepStrictEqual(callsFor(kroton, cpfOf(3)), [])
      assert.strictEqual((yield* leadRow(recent)).lastCheck, NOW - Duration.toMillis(Duration.hours(2)))
    }).pipe(withPipeline(kind)))
})
