// The leads as work for the actions: claim a batch (FOR UPDATE SKIP LOCKED, with an expiring claim), then record
// what was decided: transitions with their reasons, chosen offers, follow-ups and register attempts.
// Every statement is a file under sql/queries/; batches bind whole columns as arrays.
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { run, runDecoded } from "../db/Queries.ts"
import type { Offer } from "../domain/KrotonWire.ts"
import { ChosenOffer, LeadRecord } from "../domain/LeadRecord.ts"
import type { Status } from "../domain/Status.ts"

export type ClaimQueue = "fix_data" | "to_sync" | "to_check" | "to_follow_up" | "to_register"

export interface ClaimRequest {
  readonly queue: ClaimQueue
  readonly runId: string
  readonly batchSize: number
  readonly claimFor: number
  /** leads checked after this (epoch millis) are not taken by the check queues */
  readonly checkedBefore: number
  /** dry-run: look without claiming (the claim is rolled back) and leave these out */
  readonly peekExcluding?: ReadonlyArray<number>
}

export interface Transition {
  readonly leadId: number
  readonly from: Status
  readonly to: Status
  readonly reason: string
  /** the lead was asked about at Kroton now (last_check) */
  readonly checked: boolean
}

export interface FollowUpRecord {
  readonly leadId: number
  readonly inscriptionId: string | undefined
  readonly sistema: string | undefined
  readonly source: Readonly<Record<string, unknown>>
}

export interface RegisterOutcomeRecord {
  readonly attemptId: number
  readonly outcome: "registered" | "awaiting_register" | "rejected" | "unknown" | "reconciled" | "not_sent"
  readonly httpStatus: number | undefined
  readonly response: unknown
}

class PeekRollback {
  readonly _tag = "PeekRollback"
  constructor(readonly rows: ReadonlyArray<LeadRecord>) {}
}

const toDate = (millis: number) => new Date(millis)
const json = (value: unknown) => JSON.stringify(value ?? null)

const InscriptionCode = Schema.Struct({
  subscriptionId: Schema.Number,
  inscriptionId: Schema.NullOr(Schema.String),
  sistema: Schema.NullOr(Schema.String)
})
const OfferRow = Schema.Struct({ subscriptionId: Schema.Number, ...ChosenOffer.fields })
const AttemptRow = Schema.Struct({ id: Schema.Number, subscriptionId: Schema.Number })

const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const provide = Effect.provideService(SqlClient.SqlClient, sql)

  // ensure the claim rows, then claim (FOR UPDATE SKIP LOCKED), in one transaction
  const claimOnce = (request: ClaimRequest, now: number) =>
    sql.withTransaction(
      run("lead_claims/ensure", [request.queue]).pipe(
        Effect.andThen(runDecoded(LeadRecord, "lead_claims/claim", [
          request.queue,
          request.runId,
          toDate(now + request.claimFor),
          toDate(now),
          request.batchSize,
          request.peekExcluding ?? [],
          toDate(request.checkedBefore)
        ]))
      )
    )

  const claim = (request: ClaimRequest): Effect.Effect<ReadonlyArray<LeadRecord>, SqlError.SqlError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (request.peekExcluding === undefined) return yield* claimOnce(request, now)
      // dry-run: the same claim, rolled back, so that nothing is written
      return yield* sql.withTransaction(Effect.flatMap(claimOnce(request, now), (rows) => Effect.fail(new PeekRollback(rows)))).pipe(
        Effect.catch((e) => e instanceof PeekRollback ? Effect.succeed(e.rows) : Effect.fail(e as SqlError.SqlError))
      )
    }).pipe(provide, Effect.withSpan("LeadQueue.claim", { attributes: { queue: request.queue } }))

  const release = (queue: ClaimQueue, leadIds: ReadonlyArray<number>, runId: string) =>
    leadIds.length === 0 ? Effect.void : run("lead_claims/release", [queue, leadIds, runId]).pipe(Effect.asVoid, provide)

  const transition = (transitions: ReadonlyArray<Transition>, runId: string, step: string) =>
    Effect.gen(function*() {
      if (transitions.length === 0) return
      const now = yield* Clock.currentTimeMillis
      yield* run("subscriptions/transition_batch", [
        transitions.map((t) => t.leadId),
        transitions.map((t) => t.from),
        transitions.map((t) => t.to),
        transitions.map((t) => t.reason),
        runId,
        step,
        transitions.map((t) => t.checked),
        toDate(now)
      ])
    }).pipe(provide)

  const setInferredGender = (genders: ReadonlyArray<{ leadId: number; gender: "M" | "F"; probability: number }>) =>
    Effect.gen(function*() {
      if (genders.length === 0) return
      const now = yield* Clock.currentTimeMillis
      yield* run("subscriptions/set_inferred_gender", [
        genders.map((g) => g.leadId),
        genders.map((g) => g.gender),
        genders.map((g) => g.probability),
        toDate(now)
      ])
    }).pipe(provide)

  /** syncCourses: the two offers and the move to to_register, in one transaction with the other moves of the batch. */
  const recordSync = (
    chosen: ReadonlyArray<{ leadId: number; offers: readonly [Offer, Offer] }>,
    transitions: ReadonlyArray<Transition>,
    runId: string,
    step: string
  ) =>
    sql.withTransaction(Effect.gen(function*() {
      if (chosen.length > 0) {
        const rows = chosen.flatMap(({ leadId, offers }) => offers.map((offer, i) => ({ leadId, option: i + 1, offer })))
        yield* run("courses/upsert_chosen", [
          rows.map((r) => r.leadId),
          rows.map((r) => r.option),
          rows.map((r) => r.offer.id),
          rows.map((r) => r.offer.sistema),
          rows.map((r) => r.offer.dsCurso),
          rows.map((r) => r.offer.dsTipoCurso),
          rows.map((r) => r.offer.dsModalidade),
          rows.map((r) => String(r.offer.vlMensalidadeDe)), // the driver cannot encode a float array as numeric[]
          rows.map((r) => /^\d{4}-\d{2}-\d{2}/.test(r.offer.dtTerminoInscricao) ? r.offer.dtTerminoInscricao.slice(0, 10) : ""),
          rows.map((r) => json(r.offer))
        ])
      }
      yield* transition(transitions, runId, step)
    })).pipe(provide)

  const chosenOffers = (leadIds: ReadonlyArray<number>) =>
    (leadIds.length === 0 ? Effect.succeed([]) : runDecoded(OfferRow, "courses/list_for_leads", [leadIds])).pipe(
      Effect.map((rows) => {
        const byLead = new Map<number, Array<ChosenOffer>>()
        for (const { subscriptionId, ...offer } of rows) {
          byLead.set(subscriptionId, [...(byLead.get(subscriptionId) ?? []), offer])
        }
        return byLead as ReadonlyMap<number, ReadonlyArray<ChosenOffer>>
      }),
      provide
    )

  /** checker: what Kroton said, and the moves it implies, in one transaction. */
  const recordChecks = (followUps: ReadonlyArray<FollowUpRecord>, transitions: ReadonlyArray<Transition>, runId: string, step: string) =>
    sql.withTransaction(Effect.gen(function*() {
      if (followUps.length > 0) {
        const now = yield* Clock.currentTimeMillis
        yield* run("follow_ups/upsert_batch", [
          followUps.map((f) => f.leadId),
          // "" for none: the driver cannot encode an array whose elements are all null (the SQL turns "" into NULL)
          followUps.map((f) => f.inscriptionId ?? ""),
          followUps.map((f) => f.sistema ?? ""),
          followUps.map((f) => json(f.source)),
          toDate(now)
        ])
      }
      yield* transition(transitions, runId, step)
    })).pipe(provide)

  const inscriptionCodes = (leadIds: ReadonlyArray<number>) =>
    (leadIds.length === 0 ? Effect.succeed([]) : runDecoded(InscriptionCode, "follow_ups/list_inscription_codes", [leadIds])).pipe(
      Effect.map((rows) => new Map(rows.map((r) => [r.subscriptionId, r] as const))),
      provide
    )

  /** register: commit the intent to post before the POST. Returns attempt ids by lead. */
  const openRegisterAttempts = (leadIds: ReadonlyArray<number>, runId: string) =>
    Effect.gen(function*() {
      if (leadIds.length === 0) return new Map<number, number>()
      const now = yield* Clock.currentTimeMillis
      const rows = yield* runDecoded(AttemptRow, "register_attempts/open_batch", [leadIds, runId, toDate(now)])
      return new Map(rows.map((r) => [r.subscriptionId, r.id] as const))
    }).pipe(provide)

  const openAttemptsOf = (leadIds: ReadonlyArray<number>) =>
    (leadIds.length === 0 ? Effect.succeed([]) : runDecoded(AttemptRow, "register_attempts/list_open", [leadIds])).pipe(
      Effect.map((rows) => new Map(rows.map((r) => [r.subscriptionId, r.id] as const))),
      provide
    )

  /** register: the answers, the follow-ups and the moves of a batch, in one transaction. */
  const recordRegisterOutcomes = (
    outcomes: ReadonlyArray<RegisterOutcomeRecord>,
    followUps: ReadonlyArray<FollowUpRecord>,
    sentLeadIds: ReadonlyArray<number>,
    transitions: ReadonlyArray<Transition>,
    runId: string,
    step: string
  ) =>
    sql.withTransaction(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (outcomes.length > 0) {
        yield* run("register_attempts/finish_batch", [
          outcomes.map((o) => o.attemptId),
          outcomes.map((o) => o.outcome),
          // as text, "" for none: an all-null int array cannot be encoded by the driver (a batch of reconciliations)
          outcomes.map((o) => o.httpStatus === undefined ? "" : String(o.httpStatus)),
          outcomes.map((o) => json(o.response)),
          toDate(now)
        ])
      }
      if (sentLeadIds.length > 0) yield* run("subscriptions/mark_sent", [sentLeadIds, toDate(now)])
      yield* recordChecks(followUps, transitions, runId, step)
    })).pipe(provide)

  const PendingRow = Schema.Struct({
    fixData: Schema.Number,
    syncCourses: Schema.Number,
    checkBeforeRegister: Schema.Number,
    followUp: Schema.Number,
    register: Schema.Number
  })
  const pending = (checkedBefore: number) =>
    runDecoded(PendingRow, "subscriptions/count_pending", [toDate(checkedBefore)]).pipe(
      Effect.map((rows) => rows[0]!),
      provide
    )

  return {
    claim,
    release,
    transition,
    setInferredGender,
    recordSync,
    chosenOffers,
    recordChecks,
    inscriptionCodes,
    openRegisterAttempts,
    openAttemptsOf,
    recordRegisterOutcomes,
    pending
  } as const
})

export class LeadQueue extends Context.Service<LeadQueue, Effect.Success<typeof make>>()("kroton-leads/LeadQueue") {
  static readonly layer = Layer.effect(this, make)
}
