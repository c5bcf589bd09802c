// What a run did, as data (RunSummary) and as text for Slack and the terminal. Pure; texts carry no
// links and no personal data (errors are masked when recorded and masked again here).
import { maskText } from "../domain/Mask.ts"
import type { Counts } from "./Node.ts"
import type { RunRecord, RunStatus, StepStatus } from "./RunStore.ts"

export interface StepSummary {
  readonly node: string
  readonly status: StepStatus
  readonly counts: Counts
  readonly durationMs: number | undefined
  readonly error: string | undefined
  readonly heldBy: string | undefined
  readonly note: string | undefined
}

export interface RunSummary {
  readonly runId: string
  readonly selection: string
  readonly status: RunStatus
  readonly dryRun: boolean
  readonly resumedFrom: string | undefined
  readonly durationMs: number | undefined
  readonly error: string | undefined
  readonly steps: ReadonlyArray<StepSummary>
}

export const summarize = (run: RunRecord, dryRun: boolean): RunSummary => ({
  runId: run.id,
  selection: run.selection,
  status: run.status,
  dryRun,
  resumedFrom: run.resumedFrom,
  durationMs: run.finishedAt === undefined ? undefined : run.finishedAt - run.startedAt,
  error: run.error,
  steps: run.steps.map((s) => ({
    node: s.node,
    status: s.status,
    counts: s.counts,
    durationMs: s.startedAt === undefined || s.finishedAt === undefined ? undefined : s.finishedAt - s.startedAt,
    error: s.error,
    heldBy: s.heldBy,
    note: s.note
  }))
})

export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const total = Math.round(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`
  return `${s}s`
}

export const formatCounts = (counts: Counts): string => {
  const entries = Object.entries(counts)
  return entries.length === 0 ? "nothing to do" : entries.map(([outcome, n]) => `${outcome} ${n}`).join(", ")
}

/** Errors are stored masked; the extra pass keeps a text made elsewhere safe too. Long errors are cut. */
const safeError = (error: string) => {
  const masked = maskText(error).replace(/\s+/g, " ").trim()
  return masked.length > 300 ? `${masked.slice(0, 297)}...` : masked
}

export const stepLine = (step: StepSummary): string => {
  const took = step.durationMs === undefined ? "" : ` in ${formatDuration(step.durationMs)}`
  switch (step.status) {
    case "succeeded":
      return `${step.node}: succeeded${took}: ${formatCounts(step.counts)}${step.note === undefined ? "" : ` (${step.note})`}`
    case "failed":
      return `${step.node}: FAILED${took}: ${safeError(step.error ?? "unknown error")}`
    case "skipped":
      return `${step.node}: skipped: already running in run ${step.heldBy ?? "?"}${step.note === undefined ? "" : ` (${step.note})`}`
    case "upstream_failed":
      return `${step.node}: not run: ${safeError(step.error ?? "an upstream step failed")}`
    case "pending":
      return `${step.node}: not run`
    case "running":
      return `${step.node}: running${took}`
  }
}

const headline = (s: RunSummary) => {
  const took = s.durationMs === undefined ? "" : ` in ${formatDuration(s.durationMs)}`
  const resumed = s.resumedFrom === undefined ? "" : `, resuming ${s.resumedFrom}`
  return `${s.dryRun ? "[dry run] " : ""}run ${s.runId} (${s.selection}${resumed}) ${s.status}${took}`
}

/** The end-of-run message (Slack and terminal). */
export const summaryText = (s: RunSummary): string =>
  [
    headline(s),
    ...(s.error === undefined ? [] : [`error: ${safeError(s.error)}`]),
    ...s.steps.map((step) => `- ${stepLine(step)}`),
    ...(s.dryRun ? ["dry run: nothing was written or sent; counts are the planned transitions"] : [])
  ].join("\n")

/** Sent as soon as a step fails. */
export const failureAlertText = (a: { readonly runId: string; readonly selection: string; readonly node: string; readonly error: string }) =>
  `step ${a.node} FAILED in run ${a.runId} (${a.selection}): ${safeError(a.error)}`

/** One run with its steps, for `runs`. */
export const recordText = (run: RunRecord): string => {
  const started = new Date(run.startedAt).toISOString().replace("T", " ").slice(0, 19)
  return [
    `${started}  ${summaryText(summarize(run, false)).split("\n")[0]}${run.limit === undefined ? "" : ` limit ${run.limit}`}`,
    ...run.steps.map((step) => `    ${stepLine(summarize({ ...run, steps: [step] }, false).steps[0]!)}`),
    ...(run.error === undefined ? [] : [`    error: ${safeError(run.error)}`])
  ].join("\n")
}
