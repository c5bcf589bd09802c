// register: the payload as the contract pins it; each answer's move; 409 and unknown outcomes reconciled by CPF
// before anything is posted again; never two POSTs for a CPF; soonest-closing offers first; --limit.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit } from "effect"
import { SqlClient } from "effect/sql"
import { followUpAfterRegister } from "../../src/actions/checker.ts"
import { register } from "../../src/actions/register.ts"
import type { EnrollmentPayload } from "../../src/domain/KrotonWire.ts"
import {
  KrotonApi,
  KrotonAuthFailed,
  KrotonFake,
  KrotonUnavailable,
  type RegisterAnswer,
  RegisterOutcomeUnknown
} from "../../src/services/KrotonApi.ts"
import { databaseKinds } from "../support/database.ts"
import {
  attemptsOf,
  cpfOf,
  followUpOf,
  insertCourses,
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

/** Kroton calls for one CPF, in order. */
const callsFor = (fake: KrotonFake["Service"], cpf: string) => fake.calls().filter((c) => c.cpf === cpf).map((c) => c.call)

const accepted = (status: "NEW" | "PROCESSING" | "SUCCESS" | "ERROR", extra: Partial<{ message: string; errors: Array<string> }> = {}): RegisterAnswer => ({
  _tag: "Accepted",
  httpStatus: status === "SUCCESS" ? 201 : 200,
  response: { success: status !== "ERROR", inscricaoId: "9000001", status, ...extra }
})

/** A lead checked just now (by the checker), so register posts without asking again. */
const checkedNow = { lastCheck: NOW }

describe.each(databaseKinds)("register (%s)", (kind) => {
  it.effect("posts the payload exactly as the contract says", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const payloads: Array<EnrollmentPayload> = []
      kroton.onRegister((payload) => Effect.sync(() => (payloads.push(payload), accepted("SUCCESS"))))
      yield* insertReadyLead({
        cpf: "37845760870",
        name: "Mauricio Matsoui",
        email: "mauricio.matsoui@redealumni.com",
        birthday: "1989-08-31",
        gender: "M",
        areaCode: "11",
        phone: "975405666",
        rg: "20000000",
        cep: "12243740",
        street: "Rua Pedro de Toledo",
        number: "48",
        city: "São José dos Campos",
        state: "SP",
        ...checkedNow
      }, [
        { offerId: "1093731-446-52505-580-872433-11342-100", sistema: "OLIMPO" },
        { offerId: "1093731-446-52505-580-872433-11342-200", sistema: "OLIMPO" }
      ])
      assert.deepStrictEqual(yield* runStep(register), { registered: 1 })
      assert.deepStrictEqual(payloads, [{
        dadosPessoais: {
          celular: "11975405666",
          cpf: "378.457.608-70",
          dataNascimento: "1989-08-31",
          email: "mauricio.matsoui@redealumni.com",
          endereco: {
            cep: "12243-740",
            logradouro: "Rua Pedro de Toledo",
            municipio: "São José dos Campos",
            numero: "48",
            uf: "SP"
          },
          necessidadesEspeciais: [],
          nome: "Mauricio Matsoui",
          rg: "20000000",
          sexo: "M"
        },
        inscricao: {
          canalVendas: { id: 85 },
          idAfiliado: "DL00QUERO12991",
          idTipoProva: 1,
          ofertas: {
            primeiraOpcao: { id: "1093731-446-52505-580-872433-11342-100" },
            segundaOpcao: { id: "1093731-446-52505-580-872433-11342-200" }
          }
        }
      }])
    }).pipe(withPipeline(kind)))

  it.effect("the payload's constants come from the settings", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const payloads: Array<EnrollmentPayload> = []
      kroton.onRegister((payload) => Effect.sync(() => (payloads.push(payload), accepted("SUCCESS"))))
      yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      yield* runStep(register)
      assert.deepStrictEqual(payloads[0]!.inscricao.canalVendas, { id: 7 })
      assert.strictEqual(payloads[0]!.inscricao.idAfiliado, "AF1")
      assert.strictEqual(payloads[0]!.inscricao.idTipoProva, 3)
    }).pipe(withPipeline(kind, { settings: { enrollment: { salesChannelId: 7, affiliateId: "AF1", examTypeId: 3 } } })))

  it.effect("SUCCESS -> registered: attempt closed, sent_at set, follow-up with the inscription code", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const id = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow }, [
        { offerId: "O1", sistema: "OLIMPO" },
        { offerId: "O2", sistema: "COLABORAR" }
      ])
      assert.deepStrictEqual(yield* runStep(register, { runId: "run-reg", node: "register" }), { registered: 1 })
      const row = yield* leadRow(id)
      assert.strictEqual(row.status, "registered")
      assert.strictEqual(row.sentAt, NOW)
      assert.deepStrictEqual(yield* transitionsOf(id), [
        { fromStatus: "to_register", toStatus: "registered", reason: "register SUCCESS", runId: "run-reg", step: "register" }
      ])
      const [attempt] = yield* attemptsOf(id)
      assert.strictEqual(attempt!.runId, "run-reg")
      assert.strictEqual(attempt!.outcome, "registered")
      assert.strictEqual(attempt!.httpStatus, 201)
      assert.isTrue(attempt!.finished)
      assert.strictEqual(attempt!.response.status, "SUCCESS")
      const followUp = (yield* followUpOf(id))!
      assert.strictEqual(followUp.krotonSubscriptionId, attempt!.response.inscricaoId)
      assert.strictEqual(followUp.krotonSubscriptionDealerId, "OLIMPO") // sistema of the first option
      assert.deepStrictEqual(kroton.postsByCpf(), new Map([[cpfOf(1), 1]]))
      // checked recently: not asked again before the POST
      assert.deepStrictEqual(callsFor(kroton, cpfOf(1)), ["register"])
    }).pipe(withPipeline(kind)))

  it.effect("NEW/PROCESSING -> awaiting_register, then followed by its code", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const a = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow }, [{ offerId: "O1", sistema: "OLIMPO" }, { offerId: "O2" }])
      const b = yield* insertReadyLead({ cpf: cpfOf(2), ...checkedNow }, [{ offerId: "O1", sistema: "COLABORAR" }, { offerId: "O2" }])
      kroton.onRegister((payload) =>
        Effect.succeed(payload.dadosPessoais.cpf.replace(/\D/g, "") === cpfOf(1)
          ? { ...accepted("NEW"), response: { success: true, inscricaoId: "INS-A", status: "NEW" } }
          : { ...accepted("PROCESSING"), response: { success: true, inscricaoId: "INS-B", status: "PROCESSING" } })
      )
      assert.deepStrictEqual(yield* runStep(register), { awaiting_register: 2 })
      for (const [id, code, sistema] of [[a, "INS-A", "OLIMPO"], [b, "INS-B", "COLABORAR"]] as const) {
        assert.strictEqual(yield* statusOf(id), "awaiting_register")
        const followUp = (yield* followUpOf(id))!
        assert.strictEqual(followUp.krotonSubscriptionId, code)
        assert.strictEqual(followUp.krotonSubscriptionDealerId, sistema)
        assert.strictEqual((yield* attemptsOf(id))[0]!.outcome, "awaiting_register")
      }
      // the follow-up node asks by code at once (an awaiting lead was not "checked" by the POST)
      kroton.setInscription("INS-A", "OLIMPO", { success: true, inscricaoId: "INS-A", status: "SUCCESS" })
      kroton.setInscription("INS-B", "COLABORAR", { success: false, inscricaoId: "INS-B", status: "ERROR", message: "oferta encerrada" })
      assert.deepStrictEqual(yield* runStep(followUpAfterRegister), { failed: 1, registered: 1 })
      assert.strictEqual(yield* statusOf(a), "registered")
      assert.strictEqual(yield* statusOf(b), "failed")
      assert.deepStrictEqual(kroton.postsByCpf(), new Map([[cpfOf(1), 1], [cpfOf(2), 1]]))
    }).pipe(withPipeline(kind)))

  it.effect("400/422/ERROR -> register_failed with Kroton's messages kept", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const body422 = { success: false, status: "ERROR", message: "Dados inválidos", errors: ["cep inexistente", "rg obrigatório"] }
      const body400 = { success: false, status: "ERROR", message: "Requisição malformada", errors: [] }
      const answers: Record<string, RegisterAnswer> = {
        [cpfOf(1)]: { _tag: "Rejected", httpStatus: 422, message: body422.message, errors: body422.errors, body: body422 },
        [cpfOf(2)]: { _tag: "Rejected", httpStatus: 400, message: body400.message, errors: [], body: body400 },
        [cpfOf(3)]: accepted("ERROR", { message: "Oferta indisponível", errors: ["primeiraOpcao"] })
      }
      kroton.onRegister((payload) => Effect.succeed(answers[payload.dadosPessoais.cpf.replace(/\D/g, "")]!))
      const ids = yield* Effect.forEach([1, 2, 3], (n) => insertReadyLead({ cpf: cpfOf(n), ...checkedNow }))

      assert.deepStrictEqual(yield* runStep(register, { runId: "run-rej" }), { register_failed: 3 })
      const expected = [
        [422, "Kroton rejected (422): Dados inválidos; cep inexistente; rg obrigatório", body422],
        [400, "Kroton rejected (400): Requisição malformada", body400],
        [200, "Kroton answered 200 ERROR: Oferta indisponível; primeiraOpcao", {
          success: false,
          inscricaoId: "9000001",
          status: "ERROR",
          message: "Oferta indisponível",
          errors: ["primeiraOpcao"]
        }]
      ] as const
      for (const [i, id] of ids.entries()) {
        const [httpStatus, reason, body] = expected[i]!
        const row = yield* leadRow(id)
        assert.strictEqual(row.status, "register_failed")
        assert.strictEqual(row.statusReason, reason)
        assert.deepStrictEqual((yield* transitionsOf(id)).map((t) => [t.fromStatus, t.toStatus, t.reason, t.runId]), [
          ["to_register", "register_failed", reason, "run-rej"]
        ])
        const [attempt] = yield* attemptsOf(id)
        assert.strictEqual(attempt!.outcome, "rejected")
        assert.strictEqual(attempt!.httpStatus, httpStatus)
        assert.deepStrictEqual(attempt!.response, body)
        assert.isTrue(attempt!.finished)
      }
      // a rejected lead is final: never posted again
      assert.deepStrictEqual(yield* runStep(register), {})
      assert.deepStrictEqual([...kroton.postsByCpf().values()], [1, 1, 1])
    }).pipe(withPipeline(kind)))

  it.effect("409 -> reconciled by CPF: the lead follows what Kroton has", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      // checked before Kroton had them (so no preflight question); the default fake answers 409 for a known CPF
      const a = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      const b = yield* insertReadyLead({ cpf: cpfOf(2), ...checkedNow })
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Inscrito", "INS-409", "OLIMPO")] })
      kroton.seed(cpfOf(2), { inscricoes: [inscription("Convocado", "INS-409B")] })

      assert.deepStrictEqual(yield* runStep(register), { conflict_already_enrolled: 1, conflict_already_registered: 1 })
      assert.strictEqual(yield* statusOf(a), "registered")
      assert.strictEqual(yield* statusOf(b), "enrolled")
      const followUp = (yield* followUpOf(a))!
      assert.strictEqual(followUp.krotonSubscriptionId, "INS-409")
      assert.strictEqual(followUp.krotonSubscriptionDealerId, "OLIMPO")
      const [attempt] = yield* attemptsOf(a)
      assert.strictEqual(attempt!.outcome, "reconciled")
      assert.strictEqual(attempt!.httpStatus, 409)
      assert.isTrue(attempt!.finished)
      assert.deepStrictEqual(callsFor(kroton, cpfOf(1)).filter((c) => c !== "matriculasByCpf"), ["register", "inscriptionsByCpf"])
      assert.strictEqual((yield* leadRow(a)).sentAt, NOW)
      // a 409 whose inscription the lookup does not show still means inscribed
      const c = yield* insertReadyLead({ cpf: cpfOf(3), ...checkedNow })
      kroton.onRegister(() => Effect.succeed({ _tag: "AlreadyInscribed", httpStatus: 409, body: { message: "já inscrito" } }))
      assert.deepStrictEqual(yield* runStep(register), { already_registered: 1 })
      assert.strictEqual(yield* statusOf(c), "registered")
      assert.strictEqual((yield* leadRow(c)).statusReason, "Kroton answered 409: CPF already inscribed")
      assert.deepStrictEqual([...kroton.postsByCpf().values()], [1, 1, 1])
    }).pipe(withPipeline(kind)))

  it.effect("a lead without gender, or with fewer than two offers, is not posted and stays to_register", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const noGender = yield* insertReadyLead({ cpf: cpfOf(1), gender: null })
      const oneOffer = yield* insertLead({ cpf: cpfOf(2), status: "to_register" })
      yield* insertCourses(oneOffer, [{ offerId: "ONLY" }])
      const noOffer = yield* insertLead({ cpf: cpfOf(3), status: "to_register" })
      assert.deepStrictEqual(yield* runStep(register), {})
      for (const id of [noGender, oneOffer, noOffer]) {
        const row = yield* leadRow(id)
        assert.strictEqual(row.status, "to_register")
        assert.isNull(row.sentAt)
        assert.deepStrictEqual(yield* attemptsOf(id), [])
      }
      assert.deepStrictEqual(kroton.calls(), [])
    }).pipe(withPipeline(kind)))

  it.effect("a CPF Kroton knows is never posted: asked first when not checked recently", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const known = yield* insertReadyLead({ cpf: cpfOf(1) })
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Ausente")] })
      const stale = yield* insertReadyLead({ cpf: cpfOf(2), lastCheck: NOW - Duration.toMillis(Duration.hours(21)) })
      kroton.seed(cpfOf(2), { matriculas: [{ id: "M", curso: "X", unidade: "U", status: "ATIVA" }] })
      const fresh = yield* insertReadyLead({ cpf: cpfOf(3) })

      assert.deepStrictEqual(yield* runStep(register), { already_dropped: 1, already_enrolled: 1, registered: 1 })
      assert.strictEqual(yield* statusOf(known), "dropped")
      assert.strictEqual(yield* statusOf(stale), "enrolled")
      assert.strictEqual(yield* statusOf(fresh), "registered")
      assert.deepStrictEqual(yield* attemptsOf(known), [])
      assert.isNull((yield* leadRow(known)).sentAt)
      assert.deepStrictEqual(kroton.postsByCpf(), new Map([[cpfOf(3), 1]]))
      // asked before posting
      assert.deepStrictEqual(callsFor(kroton, cpfOf(3)).at(-1), "register")
      assert.sameMembers(callsFor(kroton, cpfOf(3)).slice(0, 2), ["inscriptionsByCpf", "matriculasByCpf"])
    }).pipe(withPipeline(kind)))

  it.effect("outcome unknown, Kroton has the inscription: reconciled by CPF at once", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const id = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      // the POST reached Kroton, the answer was lost
      kroton.onRegister((payload) =>
        Effect.suspend(() => {
          kroton.seed(payload.dadosPessoais.cpf, { inscricoes: [inscription("Inscrito", "INS-LOST")] })
          return Effect.fail(new RegisterOutcomeUnknown({ reason: "timeout after 30s" }))
        })
      )
      assert.deepStrictEqual(yield* runStep(register), { reconciled_already_registered: 1 })
      assert.strictEqual(yield* statusOf(id), "registered")
      assert.strictEqual((yield* followUpOf(id))!.krotonSubscriptionId, "INS-LOST")
      const [attempt] = yield* attemptsOf(id)
      assert.strictEqual(attempt!.outcome, "reconciled")
      assert.isTrue(attempt!.finished)
      assert.deepStrictEqual(attempt!.response, { reason: "timeout after 30s" })
      // nothing left to post
      kroton.onRegister(undefined)
      assert.deepStrictEqual(yield* runStep(register), {})
      assert.deepStrictEqual(kroton.postsByCpf(), new Map([[cpfOf(1), 1]]))
    }).pipe(withPipeline(kind)))

  it.effect("outcome unknown, Kroton does not show it: the attempt stays open; the next run reconciles before posting", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const late = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      const lost = yield* insertReadyLead({ cpf: cpfOf(2), ...checkedNow })
      kroton.failNext("register", new RegisterOutcomeUnknown({ reason: "connection reset" }))
      kroton.failNext("register", new RegisterOutcomeUnknown({ reason: "connection reset" }))

      assert.deepStrictEqual(yield* runStep(register, { runId: "run-1" }), { outcome_unknown: 2 })
      for (const id of [late, lost]) {
        const row = yield* leadRow(id)
        assert.strictEqual(row.status, "to_register")
        assert.include(row.statusReason!, "register outcome unknown (connection reset)")
        assert.strictEqual(row.sentAt, NOW)
        const [attempt] = yield* attemptsOf(id)
        assert.strictEqual(attempt!.outcome, "unknown")
        assert.isFalse(attempt!.finished)
      }

      // Kroton's processing shows the first inscription later; the second really was lost
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Inscrito", "INS-LATE")] })
      const callsBefore = kroton.calls().length
      assert.deepStrictEqual(yield* runStep(register, { runId: "run-2" }), { already_registered: 1, registered: 1 })
      assert.strictEqual(yield* statusOf(late), "registered")
      assert.strictEqual((yield* followUpOf(late))!.krotonSubscriptionId, "INS-LATE")
      assert.deepStrictEqual((yield* attemptsOf(late)).map((a) => [a.outcome, a.finished]), [["reconciled", true]])
      // the lost one: asked by CPF (not known), its attempt closed, then posted anew under a new intent
      const run2 = kroton.calls().slice(callsBefore).filter((c) => c.cpf === cpfOf(2)).map((c) => c.call)
      assert.strictEqual(run2.at(-1), "register")
      assert.sameMembers(run2.slice(0, 2), ["inscriptionsByCpf", "matriculasByCpf"])
      assert.strictEqual(yield* statusOf(lost), "registered")
      assert.deepStrictEqual((yield* attemptsOf(lost)).map((a) => [a.outcome, a.finished, a.runId]), [
        ["reconciled", true, "run-1"],
        ["registered", true, "run-2"]
      ])
      // CPF 1 posted once; CPF 2 posted again only after Kroton said it did not know it
      assert.deepStrictEqual(kroton.postsByCpf(), new Map([[cpfOf(1), 1], [cpfOf(2), 2]]))
    }).pipe(withPipeline(kind)))

  it.effect("a lead with an open attempt is never posted without reconciliation", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      // a crash after the POST: an open attempt, the lead checked just before it
      const id = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      const attemptId = yield* insertOpenAttempt(id)
      kroton.failNext("inscriptionsByCpf", new KrotonUnavailable({ endpoint: "GET /inscricao/cpf/{cpf}", reason: "503", attempts: 3 }))

      // Kroton cannot be asked: nothing is posted, the attempt stays open
      assert.deepStrictEqual(yield* runStep(register), { kroton_unavailable: 1 })
      assert.deepStrictEqual(kroton.postsByCpf(), new Map())
      assert.deepStrictEqual((yield* attemptsOf(id)).map((a) => [a.id, a.outcome, a.finished]), [[attemptId, "unknown", false]])
      assert.strictEqual(yield* statusOf(id), "to_register")

      // Kroton answers: the inscription is there, so the lead is settled, never posted
      kroton.seed(cpfOf(1), { inscricoes: [inscription("Classificado", "INS-CRASH")] })
      assert.deepStrictEqual(yield* runStep(register), { already_registered: 1 })
      assert.deepStrictEqual(kroton.postsByCpf(), new Map())
      assert.strictEqual(yield* statusOf(id), "registered")
      assert.deepStrictEqual((yield* attemptsOf(id)).map((a) => [a.outcome, a.finished]), [["reconciled", true]])
    }).pipe(withPipeline(kind)))

  it.effect("another intent committed meanwhile (the unique index on open attempts): not posted", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const sql = yield* SqlClient.SqlClient
      const api = yield* KrotonApi
      const id = yield* insertReadyLead({ cpf: cpfOf(1) })
      // while this run asks Kroton about the lead, another replica commits its intent to post it
      const racing = KrotonApi.of({
        ...api,
        inscriptionsByCpf: (cpf) =>
          insertOpenAttempt(id, "other-replica").pipe(
            Effect.provideService(SqlClient.SqlClient, sql),
            Effect.orDie,
            Effect.andThen(api.inscriptionsByCpf(cpf))
          )
      })
      assert.deepStrictEqual(yield* runStep(register).pipe(Effect.provideService(KrotonApi, racing)), { skipped_open_attempt: 1 })
      assert.deepStrictEqual(kroton.postsByCpf(), new Map())
      assert.strictEqual(yield* statusOf(id), "to_register")
      assert.deepStrictEqual((yield* attemptsOf(id)).map((a) => [a.runId, a.finished]), [["other-replica", false]])
    }).pipe(withPipeline(kind)))

  it.effect("not sent (budget, 429s, token): the intent is closed as not_sent and the next run posts", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const id = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      kroton.failNext("register", new KrotonUnavailable({ endpoint: "POST /inscricao", reason: "429 x5", attempts: 5 }))
      assert.deepStrictEqual(yield* runStep(register), { kroton_unavailable: 1 })
      const row = yield* leadRow(id)
      assert.strictEqual(row.status, "to_register")
      assert.isNull(row.sentAt)
      assert.deepStrictEqual((yield* attemptsOf(id)).map((a) => [a.outcome, a.finished]), [["not_sent", true]])
      assert.deepStrictEqual(yield* runStep(register), { registered: 1 })
      assert.deepStrictEqual((yield* attemptsOf(id)).map((a) => [a.outcome, a.finished]), [["not_sent", true], ["registered", true]])
    }).pipe(withPipeline(kind)))

  it.effect("never two POSTs for a CPF across runs, whatever the answers", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const answers: Array<RegisterAnswer> = [
        accepted("SUCCESS"),
        accepted("NEW"),
        { _tag: "Rejected", httpStatus: 422, message: "inválido", errors: [], body: {} },
        accepted("PROCESSING")
      ]
      let n = 0
      kroton.onRegister(() => Effect.succeed(answers[n++ % answers.length]!))
      const ids = yield* Effect.forEach(Array.from({ length: 12 }, (_, i) => i), (i) => insertReadyLead({ cpf: cpfOf(i + 1) }))
      for (let run = 0; run < 3; run++) {
        yield* runStep(register)
        yield* runStep(followUpAfterRegister)
      }
      assert.strictEqual(kroton.postsByCpf().size, 12)
      assert.isTrue([...kroton.postsByCpf().values()].every((posts) => posts === 1))
      for (const id of ids) assert.notStrictEqual(yield* statusOf(id), "to_register")
    }).pipe(withPipeline(kind, { settings: { krotonBatchSize: 5 } })))

  it.effect("refused credentials fail the step; the intent is closed as not sent and the lead stays", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const id = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow })
      kroton.failNext("register", new KrotonAuthFailed({ endpoint: "POST /oauth2/token", reason: "invalid_client" }))
      const exit = yield* Effect.exit(runStep(register))
      assert.isTrue(Exit.isFailure(exit))
      const row = yield* leadRow(id)
      assert.strictEqual(row.status, "to_register")
      assert.isNull(row.sentAt)
      assert.deepStrictEqual((yield* attemptsOf(id)).map((a) => [a.outcome, a.finished]), [["not_sent", true]])
      // the next run posts it
      assert.deepStrictEqual(yield* runStep(register), { registered: 1 })
    }).pipe(withPipeline(kind)))

  it.effect("leads whose offers close soonest are claimed first; --limit N caps the step", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonFake
      const closing = (endsOn: string, other = "2027-06-01") => [{ offerId: `x-${endsOn}-1`, endsOn: other }, { offerId: `x-${endsOn}-2`, endsOn }]
      const march = yield* insertReadyLead({ cpf: cpfOf(1), ...checkedNow }, closing("2027-03-01"))
      const january = yield* insertReadyLead({ cpf: cpfOf(2), ...checkedNow }, closing("2027-01-10"))
      const february = yield* insertReadyLead({ cpf: cpfOf(3), ...checkedNow }, closing("2027-02-01"))
      const april = yield* insertReadyLead({ cpf: cpfOf(4), ...checkedNow }, closing("2027-04-01"))
      const may = yield* insertReadyLead({ cpf: cpfOf(5), ...checkedNow }, closing("2027-05-01"))

      assert.deepStrictEqual(yield* runStep(register, { limit: 1 }), { registered: 1 })
      assert.deepStrictEqual([...kroton.postsByCpf().keys()], [cpfOf(2)])
      assert.strictEqual(yield* statusOf(january), "registered")

      assert.deepStrictEqual(yield* runStep(register, { limit: 2 }), { registered: 2 })
      assert.sameMembers([...kroton.postsByCpf().keys()], [cpfOf(2), cpfOf(3), cpfOf(1)])
      assert.strictEqual(yield* statusOf(february), "registered")
      assert.strictEqual(yield* statusOf(march), "registered")
      assert.strictEqual(yield* statusOf(april), "to_register")
      assert.strictEqual(yield* statusOf(may), "to_register")

      assert.deepStrictEqual(yield* runStep(register), { registered: 2 })
      assert.strictEqual(kroton.postsByCpf().size, 5)
    }).pipe(withPipeline(kind, { settings: { krotonBatchSize: 1 } })))
})
