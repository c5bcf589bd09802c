// The shape every action shares: claim a batch of leads (SKIP LOCKED), handle it, release it, report progress,
// until the queue is empty or the step's --limit is reached. In a dry-run the claim is only a look (rolled back),
// so that the database stays as it was.
import { Clock, Duration, Effect } from "effect"
import type { SqlError } from "effect/sql"
import type { LeadRecord } from "../domain/LeadRecord.ts"
import { StepContext } from "../dag/StepContext.ts"
import type { ClaimQueue } from "../services/LeadQueue.ts"
import { LeadQueue } from "../services/LeadQueue.ts"
import { ActionSettings } from "./ActionSettings.ts"

export interface QueueWalk {
  readonly queue: ClaimQueue
  readonly batchSize: number
  /** how many leads the queue holds now, for the progress line */
  readonly total: number | undefined
}

export const walkQueue = <E, R>(
  walk: QueueWalk,
  handleBatch: (leads: ReadonlyArray<LeadRecord>) => Effect.Effect<void, E, R>
): Effect.Effect<number, E | SqlError.SqlError, R | LeadQueue | StepContext | ActionSettings> =>
  Effect.gen(function*() {
    const step = yield* StepContext
    const store = yield* LeadQueue
    const settings = yield* ActionSettings
    const seen: Array<number> = []
    let done = 0
    const total = walk.total === undefined || step.limit === undefined ? walk.total : Math.min(walk.total, step.limit)
    while (step.limit === undefined || done < step.limit) {
      const now = yield* Clock.currentTimeMillis
      const batchSize = step.limit === undefined ? walk.batchSize : Math.min(walk.batchSize, step.limit - done)
      const leads = yield* store.claim({
        queue: walk.queue,
        runId: step.runId,
        batchSize,
        claimFor: Duration.toMillis(settings.claimFor),
        checkedBefore: now - Duration.toMillis(settings.checkInterval),
        ...(step.dryRun ? { peekExcluding: seen } : {})
      })
      if (leads.length === 0) break
      const ids = leads.map((l) => l.id)
      if (step.dryRun) seen.push(...ids)
      yield* handleBatch(leads).pipe(
        Effect.ensuring(step.dryRun ? Effect.void : store.release(walk.queue, ids, step.runId).pipe(Effect.ignore))
      )
      done += leads.length
      yield* step.reportProgress(done, total)
    }
    return done
  })
