// /metrics: leads by status, requests and 429s per upstream, budget use, run and step durations. Pure: the
// figures come from Dashboard.metricFigures and RateBudget.usage.
import { statuses } from "../domain/Status.ts"
import type { BudgetUsage } from "../services/RateBudget.ts"
import type { MetricFigures } from "./Dashboard.ts"
import { countsOf } from "./Funnel.ts"
import { type Family, render } from "./Prometheus.ts"

export const metricsText = (figures: MetricFigures, usage: ReadonlyArray<BudgetUsage>): string => {
  const leads = countsOf(figures.leads)
  const upstreamNames = [...new Set([...usage.map((u) => u.upstream), ...figures.requests.map((r) => r.upstream), ...figures.events.map((e) => e.upstream)])].sort()
  const limited = usage.filter((u) => Number.isFinite(u.limit) && u.limit > 0)
  const families: Array<Family> = [
    {
      name: "kroton_leads",
      help: "Leads by current status.",
      type: "gauge",
      samples: statuses.map((s) => ({ labels: { status: s }, value: leads[s] }))
    },
    {
      name: "kroton_upstream_requests_total",
      help: "Requests granted by the rate budget, per upstream (token requests included).",
      type: "counter",
      samples: upstreamNames.map((u) => ({ labels: { upstream: u }, value: figures.requests.find((r) => r.upstream === u)?.n ?? 0 }))
    },
    {
      name: "kroton_upstream_throttled_total",
      help: "429 answers (Retry-After) received, per upstream.",
      type: "counter",
      samples: upstreamNames.map((u) => ({ labels: { upstream: u }, value: figures.events.find((e) => e.upstream === u && e.kind === "429")?.n ?? 0 }))
    },
    {
      name: "kroton_upstream_events_total",
      help: "Upstream events recorded (429s, errors), per upstream and kind.",
      type: "counter",
      samples: figures.events.map((e) => ({ labels: { upstream: e.upstream, kind: e.kind }, value: e.n }))
    },
    {
      name: "kroton_budget_used_ratio",
      help: "Requests in the current sliding window divided by the limit, per upstream.",
      type: "gauge",
      samples: limited.map((u) => ({ labels: { upstream: u.upstream }, value: u.used / u.limit }))
    },
    {
      name: "kroton_budget_used",
      help: "Requests in the current sliding window, per upstream.",
      type: "gauge",
      samples: limited.map((u) => ({ labels: { upstream: u.upstream }, value: u.used }))
    },
    {
      name: "kroton_budget_limit",
      help: "Requests admitted per sliding window, per upstream.",
      type: "gauge",
      samples: limited.map((u) => ({ labels: { upstream: u.upstream }, value: u.limit }))
    },
    {
      name: "kroton_budget_paused",
      help: "1 while a 429 keeps the upstream closed.",
      type: "gauge",
      samples: usage.map((u) => ({ labels: { upstream: u.upstream }, value: u.pausedUntil === undefined ? 0 : 1 }))
    },
    {
      name: "kroton_runs_running",
      help: "Runs recorded as running.",
      type: "gauge",
      samples: [{ value: figures.running }]
    },
    {
      name: "kroton_run_duration_seconds",
      help: "Duration of finished runs, per selection and status.",
      type: "summary",
      samples: figures.runs.flatMap((r) => [
        { suffix: "_sum", labels: { selection: r.selection, status: r.status }, value: r.seconds },
        { suffix: "_count", labels: { selection: r.selection, status: r.status }, value: r.n }
      ])
    },
    {
      name: "kroton_step_duration_seconds",
      help: "Duration of finished steps, per node and status.",
      type: "summary",
      samples: figures.steps.flatMap((s) => [
        { suffix: "_sum", labels: { node: s.node, status: s.status }, value: s.seconds },
        { suffix: "_count", labels: { node: s.node, status: s.status }, value: s.n }
      ])
    },
    {
      name: "kroton_step_last_duration_seconds",
      help: "Duration of the latest finished step, per node and status.",
      type: "gauge",
      samples: figures.steps.flatMap((s) => s.lastSeconds === null ? [] : [{ labels: { node: s.node, status: s.status }, value: s.lastSeconds }])
    }
  ]
  return render(families)
}
