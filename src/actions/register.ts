// register: ready leads (gender and two offers) are posted to Kroton, those whose offers close soonest first.
// Never posting a student twice comes first:
//   - a lead not asked about recently is asked by CPF first, and a CPF Kroton knows is never posted;
//   - the intent to post is committed before the POST (register_attempts); an attempt whose outcome is unknown
//     (crash, timeout, 5xx after sending) stays open and is reconciled by CPF before anything is posted again;
//   - the unique index on open attempts refuses a second intent for the same lead, whatever the replicas do.
import { Clock, Console, Duration, Effect } from "effect"
import { decideRegisterAnswer, type Decision } from "../domain/Decisions.ts"
import { EnrollmentNotReady, enrollmentPayload, maskedPayload } from "../domain/Enrollment.ts"
import type { EnrollmentPayload } from "../domain/KrotonWire.ts"
import type { ChosenOffer, LeadRecord } from "../domain/LeadRecord.ts"
import { maskCpf, maskEmail, maskPhone } from "../domain/Mask.ts"
import { StepContext } from "../dag/StepContext.ts"
import { KrotonApi, type KrotonAuthFailed, type RegisterAnswer } from "../services/KrotonApi.ts"
import type { FollowUpRecord, RegisterOutcomeRecord, Transition } from "../services/LeadQueue.ts"
import { LeadQueue } from "../services/LeadQueue.ts"
import { ActionSettings } from "./ActionSettings.ts"
import { askByCpf, followUpOf, type KnownByCpf, knownBeforeRegister, transitionOf } from "./krotonChecks.ts"
import { Outcomes } from "./Outcomes.ts"
import { walkQueue } from "./walkQueue.ts"

/** What to do with a lead before any POST. */
type Preflight =
  | {
    readonly _tag: "Settled"
    readonly outcome: string
    /** Kroton answered about this CPF (so an open attempt of the lead is reconciled) */
    readonly krotonAsked: boolean
    readonly transition?: Transition
    readonly followUp?: FollowUpRecord
  }
  | { readonly _tag: "Post"; readonly payload: EnrollmentPayload; readonly firstOffer: ChosenOffer }

interface Recorded {
  readonly outcome: string
  readonly transition?: Transition
  readonly followUp?: FollowUpRecord
  readonly attempt?: RegisterOutcomeRecord
  readonly sent: boolean
}

const settledByKroton = (lead: LeadRecord, known: KnownByCpf, outcomePrefix = ""): Preflight | undefined => {
  const decision = knownBeforeRegister(known)
  return decision === undefined ? undefined : {
    _tag: "Settled",
    outcome: `${outcomePrefix}${decision.outcome}`,
    krotonAsked: true,
    transition: transitionOf(lead, decision),
    followUp: followUpOf(lead, known)
  }
}

const preflight = (
  lead: LeadRecord,
  offers: ReadonlyArray<ChosenOffer>,
  mustAsk: boolean
): Effect.Effect<Preflight, KrotonAuthFailed, KrotonApi | ActionSettings> =>
  Effect.gen(function*() {
    const settings = yield* ActionSettings
    if (mustAsk) {
      const known = yield* askByCpf(lead.cpf)
      const settled = settledByKroton(lead, known)
      if (settled !== undefined) return settled
    }
    const payload = enrollmentPayload(lead, offers, settings.enrollment)
    if (payload instanceof EnrollmentNotReady) {
      return { _tag: "Settled", outcome: `skipped_${payload.reason}`, krotonAsked: mustAsk } as const
    }
    return { _tag: "Post", payload, firstOffer: offers.find((o) => o.option === 1)! } as const
  }).pipe(
    Effect.catchTags({
      KrotonUnavailable: () => Effect.succeed({ _tag: "Settled", outcome: "kroton_unavailable", krotonAsked: false } as const),
      KrotonBadAnswer: () => Effect.succeed({ _tag: "Settled", outcome: "kroton_bad_answer", krotonAsked: false } as const)
    })
  )

const attemptOutcome = (decision: Decision): RegisterOutcomeRecord["outcome"] =>
  decision.to === "registered" ? "registered" : decision.to === "awaiting_register" ? "awaiting_register" : "rejected"

/** The answer to a POST, as records. */
const answered = (lead: LeadRecord, attemptId: number, firstOffer: ChosenOffer, answer: RegisterAnswer) =>
  Effect.gen(function*() {
    const decision = decideRegisterAnswer(answer)
    if (answer._tag === "AlreadyInscribed") {
      // 409: Kroton has an inscription for the CPF after all; read it to follow the tables
      const known = yield* askByCpf(lead.cpf).pipe(Effect.option)
      const settled = known._tag === "Some" ? settledByKroton(lead, known.value, "conflict_") : undefined
      return {
        outcome: settled?._tag === "Settled" ? settled.outcome : decision.outcome,
        transition: settled?._tag === "Settled" && settled.transition ? settled.transition : transitionOf(lead, decision),
        ...(settled?._tag === "Settled" && settled.followUp ? { followUp: settled.followUp } : {}),
        attempt: { attemptId, outcome: "reconciled", httpStatus: 409, response: answer.body },
        sent: true
      } satisfies Recorded
    }
    const response = answer._tag === "Accepted" ? answer.response : answer.body
    return {
      outcome: decision.outcome,
      // a registered lead was just checked; an awaiting one is polled by the follow-up
      transition: transitionOf(lead, decision, decision.to === "registered"),
      followUp: {
        leadId: lead.id,
        inscriptionId: answer._tag === "Accepted" ? answer.response.inscricaoId : undefined,
        sistema: firstOffer.sistema,
        source: { register: response }
      },
      attempt: { attemptId, outcome: attemptOutcome(decision), httpStatus: answer.httpStatus, response },
      sent: true
    } satisfies Recorded
  })

/** The POST may have reached Kroton: look for the inscription now; if it is not there, the attempt stays open. */
const outcomeUnknown = (lead: LeadRecord, attemptId: number, reason: string) =>
  askByCpf(lead.cpf).pipe(
    Effect.option,
    Effect.map((known): Recorded => {
      const settled = known._tag === "Some" ? settledByKroton(lead, known.value, "reconciled_") : undefined
      if (settled?._tag === "Settled") {
        return {
          outcome: settled.outcome,
          ...(settled.transition ? { transition: settled.transition } : {}),
          ...(settled.followUp ? { followUp: settled.followUp } : {}),
          attempt: { attemptId, outcome: "reconciled", httpStatus: undefined, response: { reason } },
          sent: true
        }
      }
      return {
        outcome: "outcome_unknown",
        transition: transitionOf(lead, { to: lead.status, reason: `register outcome unknown (${reason}): reconciled by CPF before any new POST`, outcome: "" }, false),
        attempt: { attemptId, outcome: "unknown", httpStatus: undefined, response: { reason } },
        sent: true
      }
    })
  )

const post = (
  lead: LeadRecord,
  attemptId: number,
  payload: EnrollmentPayload,
  firstOffer: ChosenOffer,
  onAuthFailure: (e: KrotonAuthFailed) => void
) =>
  Effect.gen(function*() {
    const kroton = yield* KrotonApi
    return yield* kroton.register(payload).pipe(
      Effect.flatMap((answer) => answered(lead, attemptId, firstOffer, answer)),
      Effect.catchTag("RegisterOutcomeUnknown", (e) => outcomeUnknown(lead, attemptId, e.reason)),
      Effect.catchTags({
        // not sent (token, budget, 429s exhausted): nothing reached Kroton's register
        KrotonUnavailable: (e) => Effect.succeed(notSent(attemptId, "kroton_unavailable", e.reason)),
        KrotonBadAnswer: (e) => Effect.succeed(notSent(attemptId, "kroton_bad_answer", e.problem)),
        KrotonAuthFailed: (e) => {
          onAuthFailure(e)
          return Effect.succeed(notSent(attemptId, "kroton_auth_failed", e.reason))
        }
      })
    )
  })

const notSent = (attemptId: number, outcome: string, reason: string): Recorded => ({
  outcome,
  attempt: { attemptId, outcome: "not_sent", httpStatus: undefined, response: { reason } },
  sent: false
})

export const register = Effect.gen(function*() {
  const step = yield* StepContext
  const store = yield* LeadQueue
  const settings = yield* ActionSettings
  const outcomes = new Outcomes()
  const pending = yield* store.pending(yield* Clock.currentTimeMillis)
  let authFailure: KrotonAuthFailed | undefined

  yield* walkQueue({ queue: "to_register", batchSize: settings.krotonBatchSize, total: pending.register }, (leads) =>
    Effect.gen(function*() {
      const ids = leads.map((l) => l.id)
      const offers = yield* store.chosenOffers(ids)
      const open = yield* store.openAttemptsOf(ids)
      const checkedBefore = (yield* Clock.currentTimeMillis) - Duration.toMillis(settings.checkInterval)

      // 1. reconcile unknown outcomes and ask about leads not checked recently; build the payloads
      const preflights = yield* Effect.forEach(leads, (lead) => {
        const mustAsk = open.has(lead.id) || lead.lastCheck === null || lead.lastCheck < checkedBefore
        return Effect.map(preflight(lead, offers.get(lead.id) ?? [], mustAsk), (p) => ({ lead, p }))
      }, { concurrency: settings.concurrency })
      const settled = preflights.flatMap(({ p }) => p._tag === "Settled" ? [p] : [])
      for (const s of settled) outcomes.add(s.outcome)
      const toPost = preflights.flatMap(({ lead, p }) => p._tag === "Post" ? [{ lead, ...p }] : [])

      if (step.dryRun) {
        for (const { payload } of toPost) {
          outcomes.add("would_post")
          yield* Console.log(JSON.stringify({ step: step.node, wouldPost: maskedPayload(payload, { cpf: maskCpf, email: maskEmail, phone: maskPhone }) }))
        }
        return
      }
      // an open attempt is closed once Kroton was asked about its lead (known: settled; unknown: posted anew)
      const reconciled = preflights.flatMap(({ lead, p }): Array<RegisterOutcomeRecord> => {
        const attemptId = open.get(lead.id)
        const asked = p._tag === "Post" || p.krotonAsked
        return attemptId === undefined || !asked ? [] : [{ attemptId, outcome: "reconciled", httpStatus: undefined, response: { reconciledBy: "cpf" } }]
      })
      yield* store.recordRegisterOutcomes(
        reconciled,
        settled.flatMap((s) => s.followUp ? [s.followUp] : []),
        [],
        settled.flatMap((s) => s.transition ? [s.transition] : []),
        step.runId,
        step.node
      )

      // 2. commit the intent to post, then post
      const attempts = yield* store.openRegisterAttempts(toPost.map((x) => x.lead.id), step.runId)
      const results = yield* Effect.forEach(toPost, ({ firstOffer, lead, payload }) => {
        const attemptId = attempts.get(lead.id)
        // no intent recorded: an attempt is still open for this lead somewhere; never post without one
        if (attemptId === undefined) return Effect.succeed<Recorded>({ outcome: "skipped_open_attempt", sent: false })
        return post(lead, attemptId, payload, firstOffer, (e) => {
          authFailure ??= e
        })
      }, { concurrency: settings.concurrency })

      // 3. record the answers
      for (const r of results) outcomes.add(r.outcome)
      yield* store.recordRegisterOutcomes(
        results.flatMap((r) => r.attempt ? [r.attempt] : []),
        results.flatMap((r) => r.followUp ? [r.followUp] : []),
        toPost.filter((_, i) => results[i]!.sent).map((x) => x.lead.id),
        results.flatMap((r) => r.transition ? [r.transition] : []),
        step.runId,
        step.node
      )
    }))
  if (authFailure !== undefined) return yield* authFailure
  return outcomes.toCounts()
}).pipe(Effect.withSpan("action.register"))
