// checker: what Kroton knows, by CPF. Before register: a ready lead that Kroton already knows (an inscription, or
// an active matricula) is never posted; its follow-up keeps what came back and its status follows the tables.
// After register, and daily: awaiting_register leads by inscription code, registered leads by CPF.
// A lead checked less than CHECK_INTERVAL ago is left alone, to save budget.
import { Clock, Duration, Effect, Option } from "effect"
import { decideFollowUp, decideInscriptionState, type Decision } from "../domain/Decisions.ts"
import type { LeadRecord } from "../domain/LeadRecord.ts"
import { StepContext } from "../dag/StepContext.ts"
import { KrotonApi } from "../services/KrotonApi.ts"
import type { FollowUpRecord, RegisterOutcomeRecord, Transition } from "../services/LeadQueue.ts"
import { LeadQueue } from "../services/LeadQueue.ts"
import { ActionSettings } from "./ActionSettings.ts"
import { askByCpf, followUpOf, knownBeforeRegister, transitionOf } from "./krotonChecks.ts"
import { Outcomes } from "./Outcomes.ts"
import { walkQueue } from "./walkQueue.ts"

interface Checked {
  readonly outcome: string
  readonly transition?: Transition
  readonly followUp?: FollowUpRecord
}

const notAsked = (outcome: string): Checked => ({ outcome })

/** A ready lead, before register. */
const checkBeforeRegister = (lead: LeadRecord) =>
  askByCpf(lead.cpf).pipe(
    Effect.map((known): Checked => {
      const decision = knownBeforeRegister(known)
      if (decision === undefined) {
        return {
          outcome: "not_known",
          transition: transitionOf(lead, { to: lead.status, reason: "not known at Kroton", outcome: "not_known" })
        }
      }
      return { outcome: decision.outcome, transition: transitionOf(lead, decision), followUp: followUpOf(lead, known) }
    })
  )

/** A lead Kroton is processing or has inscribed. */
const followUp = (lead: LeadRecord, code: { inscriptionId: string | null; sistema: string | null } | undefined) =>
  Effect.gen(function*() {
    const kroton = yield* KrotonApi
    if (lead.status === "awaiting_register" && code?.inscriptionId && (code.sistema === "COLABORAR" || code.sistema === "OLIMPO")) {
      const answer = yield* kroton.inscriptionByCode(code.inscriptionId, code.sistema)
      if (Option.isNone(answer)) {
        const decision: Decision = { to: lead.status, reason: "Kroton does not know the inscription code", outcome: "inscription_unknown" }
        return { outcome: decision.outcome, transition: transitionOf(lead, decision) } satisfies Checked
      }
      const decision = decideInscriptionState(answer.value)
      return {
        outcome: decision.to === lead.status ? "still_processing" : decision.outcome,
        transition: transitionOf(lead, decision),
        followUp: { leadId: lead.id, inscriptionId: code.inscriptionId, sistema: code.sistema, source: { inscricao: answer.value } }
      } satisfies Checked
    }
    const known = yield* askByCpf(lead.cpf)
    const decision = decideFollowUp(lead.status, known.inscricoes, known.matriculas)
    return { outcome: decision.outcome, transition: transitionOf(lead, decision), followUp: followUpOf(lead, known) } satisfies Checked
  })

/**
 * Runs the checks of a batch, then records them in one transaction. Kroton failures leave the lead as it was.
 * `openAttempts` (ready leads): a register attempt of unknown outcome is closed once Kroton shows the lead.
 */
const checkBatch = (
  leads: ReadonlyArray<LeadRecord>,
  check: (lead: LeadRecord) => Effect.Effect<Checked, unknown, KrotonApi>,
  outcomes: Outcomes,
  openAttempts: ReadonlyMap<number, number> = new Map()
) =>
  Effect.gen(function*() {
    const step = yield* StepContext
    const store = yield* LeadQueue
    const settings = yield* ActionSettings
    const results = yield* Effect.forEach(leads, (lead) =>
      check(lead).pipe(
        Effect.catchTags({
          KrotonUnavailable: () => Effect.succeed(notAsked("kroton_unavailable")),
          KrotonBadAnswer: () => Effect.succeed(notAsked("kroton_bad_answer"))
          // KrotonAuthFailed is not caught: refused credentials fail the step (and alert), not one lead
        })
      ), { concurrency: settings.concurrency })
    for (const r of results) outcomes.add(r.outcome)
    if (step.dryRun) return
    // Kroton has the inscription of a POST whose answer was lost: that attempt is reconciled (never left open)
    const reconciled = results.flatMap((r, i): Array<RegisterOutcomeRecord> => {
      const attemptId = openAttempts.get(leads[i]!.id)
      return attemptId === undefined || r.followUp === undefined
        ? []
        : [{ attemptId, outcome: "reconciled", httpStatus: undefined, response: { reconciledBy: "checker" } }]
    })
    yield* store.recordRegisterOutcomes(
      reconciled,
      results.flatMap((r) => r.followUp === undefined ? [] : [r.followUp]),
      [],
      results.flatMap((r) => r.transition === undefined ? [] : [r.transition]),
      step.runId,
      step.node
    )
  })

const checkReadyLeads = (outcomes: Outcomes) =>
  Effect.gen(function*() {
    const store = yield* LeadQueue
    const settings = yield* ActionSettings
    const pending = yield* store.pending((yield* Clock.currentTimeMillis) - Duration.toMillis(settings.checkInterval))
    return yield* walkQueue(
      { queue: "to_check", batchSize: settings.krotonBatchSize, total: pending.checkBeforeRegister },
      (leads) => Effect.flatMap(store.openAttemptsOf(leads.map((l) => l.id)), (open) => checkBatch(leads, checkBeforeRegister, outcomes, open))
    )
  })

const followUpInscriptions = (outcomes: Outcomes) =>
  Effect.gen(function*() {
    const store = yield* LeadQueue
    const settings = yield* ActionSettings
    const pending = yield* store.pending((yield* Clock.currentTimeMillis) - Duration.toMillis(settings.checkInterval))
    return yield* walkQueue(
      { queue: "to_follow_up", batchSize: settings.krotonBatchSize, total: pending.followUp },
      (leads) =>
        Effect.gen(function*() {
          const codes = yield* store.inscriptionCodes(leads.map((l) => l.id))
          yield* checkBatch(leads, (lead) => followUp(lead, codes.get(lead.id)), outcomes)
        })
    )
  })

/** The checker node: ready leads first (they are about to be posted), then the follow-ups. */
export const checker = Effect.gen(function*() {
  const outcomes = new Outcomes()
  yield* checkReadyLeads(outcomes)
  yield* followUpInscriptions(outcomes)
  return outcomes.toCounts()
}).pipe(Effect.withSpan("action.checker"))

/** The follow-up node that ends allJobs: what register just sent, and what is due. */
export const followUpAfterRegister = Effect.gen(function*() {
  const outcomes = new Outcomes()
  yield* followUpInscriptions(outcomes)
  return outcomes.toCounts()
}).pipe(Effect.withSpan("action.followUp"))
