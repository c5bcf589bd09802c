// The conversion funnel, from counts of leads by current status. Pure. A lead's status only moves forward,
// so "reached a stage" is read from where it is now: a registered lead went through to_register, etc.
import type { Status } from "../domain/Status.ts"
import { statuses } from "../domain/Status.ts"

export type StatusCounts = Readonly<Record<Status, number>>

/** The main path, in order, with the statuses that count as having reached each stage. */
export const stages = [
  { stage: "to_sync", reachedBy: ["to_sync", "course_failed", "empty_course", "to_register", "awaiting_register", "registered", "register_failed", "enrolled", "dropped", "failed"] },
  { stage: "to_register", reachedBy: ["to_register", "awaiting_register", "registered", "register_failed", "enrolled", "dropped", "failed"] },
  { stage: "registered", reachedBy: ["registered", "enrolled", "dropped"] },
  { stage: "enrolled", reachedBy: ["enrolled"] }
] as const satisfies ReadonlyArray<{ readonly stage: Status; readonly reachedBy: ReadonlyArray<Status> }>

/** Where leads leave the main path, beside the stage they leave from. */
export const deadEnds = [
  { status: "invalid_data", after: "import" },
  { status: "empty_course", after: "to_sync" },
  { status: "course_failed", after: "to_sync" },
  { status: "register_failed", after: "to_register" },
  { status: "failed", after: "to_register" },
  { status: "dropped", after: "registered" }
] as const satisfies ReadonlyArray<{ readonly status: Status; readonly after: string }>

export const emptyCounts = (): Record<Status, number> =>
  Object.fromEntries(statuses.map((s) => [s, 0])) as Record<Status, number>

export const countsOf = (rows: ReadonlyArray<{ readonly status: Status; readonly n: number }>): StatusCounts => {
  const counts = emptyCounts()
  for (const row of rows) counts[row.status] += row.n
  return counts
}

export interface FunnelDay {
  readonly day: string
  readonly total: number
  readonly byStatus: StatusCounts
}

export interface Funnel {
  readonly from: string | undefined
  readonly to: string | undefined
  readonly total: number
  readonly byStatus: StatusCounts
  readonly stages: ReadonlyArray<{ readonly stage: Status; readonly now: number; readonly reached: number }>
  readonly deadEnds: ReadonlyArray<{ readonly status: Status; readonly after: string; readonly count: number }>
  /** in flight between to_register and registered */
  readonly awaitingRegister: number
  readonly days: ReadonlyArray<FunnelDay>
}

const sum = (counts: StatusCounts, of: ReadonlyArray<Status>) => of.reduce((n, s) => n + counts[s], 0)
const totalOf = (counts: StatusCounts) => sum(counts, statuses)

export const funnelOf = (
  rows: ReadonlyArray<{ readonly day: string; readonly status: Status; readonly n: number }>,
  range: { readonly from: string | undefined; readonly to: string | undefined }
): Funnel => {
  const byStatus = countsOf(rows)
  const dayNames = [...new Set(rows.map((r) => r.day))].sort()
  const days = dayNames.map((day) => {
    const counts = countsOf(rows.filter((r) => r.day === day))
    return { day, total: totalOf(counts), byStatus: counts }
  })
  return {
    from: range.from,
    to: range.to,
    total: totalOf(byStatus),
    byStatus,
    stages: stages.map((s) => ({ stage: s.stage, now: byStatus[s.stage], reached: sum(byStatus, s.reachedBy) })),
    deadEnds: deadEnds.map((d) => ({ status: d.status, after: d.after, count: byStatus[d.status] })),
    awaitingRegister: byStatus.awaiting_register,
    days
  }
}
