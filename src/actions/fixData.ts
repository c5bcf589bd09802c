// fixData: leads without gender get one from the IBGE census when the census is clear enough; the others stay
// without gender (register skips them, as the spec says), counted as ambiguous.
import { Clock, Effect } from "effect"
import { StepContext } from "../dag/StepContext.ts"
import { GenderCensus } from "../services/GenderCensus.ts"
import { LeadQueue } from "../services/LeadQueue.ts"
import { ActionSettings } from "./ActionSettings.ts"
import { Outcomes } from "./Outcomes.ts"
import { walkQueue } from "./walkQueue.ts"

export const fixData = Effect.gen(function*() {
  const step = yield* StepContext
  const store = yield* LeadQueue
  const census = yield* GenderCensus
  const settings = yield* ActionSettings
  const outcomes = new Outcomes()
  const pending = yield* store.pending(yield* Clock.currentTimeMillis)

  yield* walkQueue({ queue: "fix_data", batchSize: settings.batchSize, total: pending.fixData }, (leads) =>
    Effect.gen(function*() {
      const guesses = yield* Effect.forEach(leads, (lead) =>
        census.infer(lead.userName).pipe(
          Effect.map((guess) => ({ lead, guess })),
          Effect.catchTag("CensusUnavailable", () => Effect.succeed({ lead, guess: undefined }))
        ), { concurrency: settings.concurrency })
      const inferred: Array<{ leadId: number; gender: "M" | "F"; probability: number }> = []
      for (const { guess, lead } of guesses) {
        if (guess === undefined) outcomes.add("census_unavailable")
        else if (guess.gender === undefined) outcomes.add(guess.probability === undefined ? "unknown_name" : "ambiguous")
        else {
          outcomes.add(`inferred_${guess.gender}`)
          inferred.push({ leadId: lead.id, gender: guess.gender, probability: guess.probability ?? 1 })
        }
      }
      if (!step.dryRun) yield* store.setInferredGender(inferred)
    }))
  return outcomes.toCounts()
}).pipe(Effect.withSpan("action.fixData"))
