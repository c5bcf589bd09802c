// How the actions walk their queues: batch sizes, concurrency, claim time, the follow-up interval, the payload
// constants. From the environment (README), with defaults that suit Kroton's 100 requests per 5 minutes.
import { Config, Context, Duration, Effect, Layer } from "effect"
import { defaultEnrollmentSettings, type EnrollmentSettings } from "../domain/Enrollment.ts"
import { durationOr } from "../services/upstream/Settings.ts"

export interface ActionSettingsShape {
  /** leads per claim for the steps that are not bound by Kroton's budget */
  readonly batchSize: number
  /** leads per claim for checker and register (a small batch keeps few leads claimed while the budget waits) */
  readonly krotonBatchSize: number
  /** upstream calls in flight per step */
  readonly concurrency: number
  /** how long a claim holds a lead: a crashed process's leads return after it */
  readonly claimFor: Duration.Duration
  /** a lead checked at Kroton less than this ago is not asked again (0: always) */
  readonly checkInterval: Duration.Duration
  readonly enrollment: EnrollmentSettings
}

export const defaultActionSettings: ActionSettingsShape = {
  batchSize: 500,
  krotonBatchSize: 16,
  concurrency: 8,
  claimFor: Duration.minutes(30),
  checkInterval: Duration.hours(20),
  enrollment: defaultEnrollmentSettings
}

export class ActionSettings extends Context.Service<ActionSettings, ActionSettingsShape>()("kroton-leads/ActionSettings") {
  /** Defaults overridden field by field (tests). */
  static readonly layerTest = (overrides: Partial<ActionSettingsShape> = {}) =>
    Layer.succeed(ActionSettings, { ...defaultActionSettings, ...overrides })
}

const config = Config.all({
  batchSize: Config.Int("ACTION_BATCH_SIZE").pipe(Config.withDefault(500)),
  krotonBatchSize: Config.Int("KROTON_BATCH_SIZE").pipe(Config.withDefault(16)),
  concurrency: Config.Int("ACTION_CONCURRENCY").pipe(Config.withDefault(8)),
  salesChannelId: Config.Int("KROTON_SALES_CHANNEL_ID").pipe(Config.withDefault(defaultEnrollmentSettings.salesChannelId)),
  affiliateId: Config.String("KROTON_AFFILIATE_ID").pipe(Config.withDefault(defaultEnrollmentSettings.affiliateId)),
  examTypeId: Config.Int("KROTON_EXAM_TYPE_ID").pipe(Config.withDefault(defaultEnrollmentSettings.examTypeId))
})

export const layer = Layer.effect(
  ActionSettings,
  Effect.gen(function*() {
    const c = yield* config
    const claimFor = yield* durationOr("CLAIM_TTL", "30m")
    const checkInterval = yield* durationOr("CHECK_INTERVAL", "20h", { allowZero: true })
    return {
      batchSize: c.batchSize,
      krotonBatchSize: c.krotonBatchSize,
      concurrency: c.concurrency,
      claimFor,
      checkInterval,
      enrollment: { salesChannelId: c.salesChannelId, affiliateId: c.affiliateId, examTypeId: c.examTypeId }
    }
  })
)
