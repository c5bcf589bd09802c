// syncCourses: to_sync and course_failed leads get their two offers from the catalog (-> to_register), or end in
// empty_course (fewer than two) or course_failed (catalog unavailable after retries; retried by the next run).
// Identical searches (same course, unit, type, price, modality, period, day) are asked once per run.
import { Clock, Effect, Result } from "effect"
import { decideCatalogFailure, decideSync, type SyncDecision } from "../domain/Decisions.ts"
import type { Offer } from "../domain/KrotonWire.ts"
import type { LeadRecord } from "../domain/LeadRecord.ts"
import { type CourseInterest, searchKey } from "../domain/OfferSearch.ts"
import { StepContext } from "../dag/StepContext.ts"
import type { Transition } from "../services/LeadQueue.ts"
import { LeadQueue } from "../services/LeadQueue.ts"
import { type CatalogUnavailable, OfferCatalog } from "../services/OfferCatalog.ts"
import { ActionSettings } from "./ActionSettings.ts"
import { Outcomes } from "./Outcomes.ts"
import { today } from "./today.ts"
import { walkQueue } from "./walkQueue.ts"

export const interestOf = (lead: LeadRecord): CourseInterest => ({
  courseName: lead.courseName,
  courseType: lead.courseType,
  modality: lead.modality,
  unitId: lead.unitId,
  monthlyPrice: lead.monthlyPrice,
  captationPeriod: lead.captationPeriod
})

export const syncCourses = Effect.gen(function*() {
  const step = yield* StepContext
  const store = yield* LeadQueue
  const catalog = yield* OfferCatalog
  const settings = yield* ActionSettings
  const outcomes = new Outcomes()
  const pending = yield* store.pending(yield* Clock.currentTimeMillis)
  // answers of this run, by search: a search is asked once, its failure is not asked again either
  const answers = new Map<string, Result.Result<ReadonlyArray<Offer>, CatalogUnavailable>>()

  yield* walkQueue({ queue: "to_sync", batchSize: settings.batchSize, total: pending.syncCourses }, (leads) =>
    Effect.gen(function*() {
      const day = yield* today
      const searches = new Map<string, CourseInterest>()
      for (const lead of leads) {
        const interest = interestOf(lead)
        const key = searchKey(interest, day)
        if (!answers.has(key)) searches.set(key, interest)
      }
      yield* Effect.forEach(searches, ([key, interest]) =>
        catalog.search(interest, day).pipe(
          Effect.result,
          Effect.map((answer) => {
            answers.set(key, answer)
            outcomes.add("catalog_searches")
          })
        ), { concurrency: settings.concurrency, discard: true })

      const chosen: Array<{ leadId: number; offers: readonly [Offer, Offer] }> = []
      const transitions: Array<Transition> = []
      for (const lead of leads) {
        const answer = answers.get(searchKey(interestOf(lead), day))!
        const decision: SyncDecision = Result.isSuccess(answer)
          ? decideSync(answer.success)
          : decideCatalogFailure(answer.failure.reason)
        outcomes.add(decision.outcome)
        if (decision.to === "to_register") chosen.push({ leadId: lead.id, offers: decision.offers })
        transitions.push({ leadId: lead.id, from: lead.status, to: decision.to, reason: decision.reason, checked: false })
      }
      if (!step.dryRun) yield* store.recordSync(chosen, transitions, step.runId, step.node)
    }))
  return outcomes.toCounts()
}).pipe(Effect.withSpan("action.syncCourses"))
