// The dashboard's read queries (sql/queries/dashboard/*): funnel, one lead's history, budget history and the
// figures behind /metrics. Rows are decoded at the edge; e-mail and phone leave here masked.
import { Clock, Effect, Option, Schema } from "effect"
import { runDecoded } from "../db/Queries.ts"
import { maskEmail, maskPhone, maskText } from "../domain/Mask.ts"
import { Status } from "../domain/Status.ts"
import { type Funnel, funnelOf } from "./Funnel.ts"

const Ms = Schema.NullOr(Schema.Number)
const ms = (n: number | null) => (n === null ? undefined : Math.round(n))

/** A jsonb column read as text; masked, since it may quote what Kroton or the import had. */
const maskedJson = (text: string | null): unknown => {
  if (text === null) return undefined
  try {
    return JSON.parse(maskText(text))
  } catch {
    return maskText(text)
  }
}

const FunnelRow = Schema.Struct({ day: Schema.String, status: Status, n: Schema.Number })

export const funnel = (range: { readonly from: string | undefined; readonly to: string | undefined }) =>
  runDecoded(FunnelRow, "dashboard/select_funnel", [range.from ?? null, range.to ?? null]).pipe(
    Effect.map((rows): Funnel => funnelOf(rows, range)),
    Effect.withSpan("Dashboard.funnel")
  )

const LeadRow = Schema.Struct({
  id: Schema.String,
  status: Status,
  statusReason: Schema.NullOr(Schema.String),
  userName: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  areaCode: Schema.NullOr(Schema.String),
  phoneNumber: Schema.NullOr(Schema.String),
  courseName: Schema.NullOr(Schema.String),
  courseType: Schema.NullOr(Schema.String),
  modality: Schema.NullOr(Schema.String),
  unitId: Schema.NullOr(Schema.Number),
  captationPeriod: Schema.NullOr(Schema.Number),
  gender: Schema.NullOr(Schema.String),
  genderSource: Schema.NullOr(Schema.String),
  invalidReasonsJson: Schema.NullOr(Schema.String),
  sourceFile: Schema.NullOr(Schema.String),
  sourceLine: Schema.NullOr(Schema.Number),
  createdAtMs: Schema.Number,
  updatedAtMs: Schema.Number,
  sentAtMs: Ms,
  lastCheckMs: Ms
})
const TransitionRow = Schema.Struct({
  fromStatus: Schema.NullOr(Schema.String),
  toStatus: Schema.String,
  reason: Schema.String,
  runId: Schema.NullOr(Schema.String),
  step: Schema.NullOr(Schema.String),
  detailJson: Schema.NullOr(Schema.String),
  atMs: Schema.Number
})
const FollowUpRow = Schema.Struct({
  krotonSubscriptionId: Schema.NullOr(Schema.String),
  krotonSubscriptionDealerId: Schema.NullOr(Schema.String),
  sourceJson: Schema.String,
  createdAtMs: Schema.Number,
  updatedAtMs: Schema.Number
})
const CourseRow = Schema.Struct({
  option: Schema.Number,
  offerId: Schema.String,
  sistema: Schema.String,
  courseName: Schema.String,
  modality: Schema.NullOr(Schema.String),
  monthlyPrice: Schema.NullOr(Schema.Number),
  registrationEndsOn: Schema.NullOr(Schema.String)
})

const orUndefined = <A>(a: A | null): A | undefined => (a === null ? undefined : a)

/** The lead with this CPF (11 digits), its status history and follow-up; None when unknown. */
export const leadHistory = (cpf: string) =>
  Effect.gen(function*() {
    const lead = (yield* runDecoded(LeadRow, "dashboard/select_lead", [cpf]))[0]
    if (lead === undefined) return Option.none()
    const id = String(lead.id)
    const transitions = yield* runDecoded(TransitionRow, "dashboard/select_lead_transitions", [id])
    const followUp = (yield* runDecoded(FollowUpRow, "dashboard/select_lead_follow_up", [id]))[0]
    const courses = yield* runDecoded(CourseRow, "dashboard/select_lead_courses", [id])
    const phone = `${lead.areaCode ?? ""}${lead.phoneNumber ?? ""}`
    return Option.some({
      status: lead.status,
      statusReason: orUndefined(lead.statusReason),
      name: orUndefined(lead.userName),
      email: lead.email === null ? undefined : maskEmail(lead.email),
      phone: phone.length === 0 ? undefined : maskPhone(phone),
      gender: orUndefined(lead.gender),
      genderSource: orUndefined(lead.genderSource),
      course: {
        name: orUndefined(lead.courseName),
        type: orUndefined(lead.courseType),
        modality: orUndefined(lead.modality),
        unitId: orUndefined(lead.unitId),
        captationPeriod: orUndefined(lead.captationPeriod)
      },
      invalidReasons: maskedJson(lead.invalidReasonsJson),
      source: lead.sourceFile === null ? undefined : { file: lead.sourceFile, line: orUndefined(lead.sourceLine) },
      createdAt: ms(lead.createdAtMs)!,
      updatedAt: ms(lead.updatedAtMs)!,
      sentAt: ms(lead.sentAtMs),
      lastCheck: ms(lead.lastCheckMs),
      transitions: transitions.map((t) => ({
        from: orUndefined(t.fromStatus),
        to: t.toStatus,
        reason: maskText(t.reason),
        runId: orUndefined(t.runId),
        step: orUndefined(t.step),
        detail: maskedJson(t.detailJson),
        at: ms(t.atMs)!
      })),
      courses: courses.map((c) => ({
        option: c.option,
        offerId: c.offerId,
        sistema: c.sistema,
        courseName: c.courseName,
        modality: orUndefined(c.modality),
        monthlyPrice: orUndefined(c.monthlyPrice),
        registrationEndsOn: orUndefined(c.registrationEndsOn)
      })),
      followUp: followUp === undefined ? undefined : {
        krotonSubscriptionId: orUndefined(followUp.krotonSubscriptionId),
        krotonSubscriptionDealerId: orUndefined(followUp.krotonSubscriptionDealerId),
        source: maskedJson(followUp.sourceJson),
        createdAt: ms(followUp.createdAtMs)!,
        updatedAt: ms(followUp.updatedAtMs)!
      }
    })
  }).pipe(Effect.withSpan("Dashboard.leadHistory"))

export type LeadHistory = Option.Option.Value<Effect.Success<ReturnType<typeof leadHistory>>>

const BucketRow = Schema.Struct({ upstream: Schema.String, bucketMs: Schema.Number, n: Schema.Number })
const EventBucketRow = Schema.Struct({ upstream: Schema.String, kind: Schema.String, bucketMs: Schema.Number, n: Schema.Number })

/** Requests and events per upstream in buckets of `bucketMs` over the last `hours`. */
export const budgetHistory = (hours: number, bucketMs: number) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const since = Math.floor((now - hours * 3_600_000) / bucketMs) * bucketMs
    const requests = yield* runDecoded(BucketRow, "dashboard/select_request_buckets", [since, bucketMs])
    const events = yield* runDecoded(EventBucketRow, "dashboard/select_event_buckets", [since, bucketMs])
    return { since, until: now, bucketMs, requests, events }
  }).pipe(Effect.withSpan("Dashboard.budgetHistory"))

const CountRow = Schema.Struct({ status: Status, n: Schema.Number })
const UpstreamCount = Schema.Struct({ upstream: Schema.String, n: Schema.Number })
const EventCount = Schema.Struct({ upstream: Schema.String, kind: Schema.String, n: Schema.Number })
const RunDuration = Schema.Struct({ selection: Schema.String, status: Schema.String, n: Schema.Number, seconds: Schema.Number })
const StepDuration = Schema.Struct({ node: Schema.String, status: Schema.String, n: Schema.Number, seconds: Schema.Number, lastSeconds: Schema.NullOr(Schema.Number) })
const Running = Schema.Struct({ n: Schema.Number })

/** The tables behind /metrics. */
export const metricFigures = Effect.gen(function*() {
  return {
    leads: yield* runDecoded(CountRow, "dashboard/count_by_status"),
    requests: yield* runDecoded(UpstreamCount, "dashboard/count_requests"),
    events: yield* runDecoded(EventCount, "dashboard/count_events"),
    runs: yield* runDecoded(RunDuration, "dashboard/select_run_durations"),
    steps: yield* runDecoded(StepDuration, "dashboard/select_step_durations"),
    running: (yield* runDecoded(Running, "dashboard/count_running_runs"))[0]?.n ?? 0
  }
}).pipe(Effect.withSpan("Dashboard.metricFigures"))

export type MetricFigures = Effect.Success<typeof metricFigures>
