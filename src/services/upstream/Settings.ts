// Settings of the upstream clients, read from Config with one-line errors naming the variable
// ("setting KROTON_API_URL: required, not set"), and the "N/duration" rate-limit format.
import { Config, Duration, Effect, Option, type Redacted, Schema } from "effect"
import type { RateLimit } from "../RateBudget.ts"

export class SettingInvalid extends Schema.TaggedError<SettingInvalid>()("SettingInvalid", {
  name: Schema.String,
  problem: Schema.String
}) {
  override get message() {
    return `setting ${this.name}: ${this.problem}`
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, "; ")

/** Runs a Config, turning its (multi-line) error into SettingInvalid naming the variable. */
export const read = <A>(name: string, config: Config.Config<A>): Effect.Effect<A, SettingInvalid> =>
  Effect.gen(function*() {
    return yield* config
  }).pipe(Effect.mapError((e) => new SettingInvalid({ name, problem: oneLine(e.message) })))

const requiredWith = <A>(name: string, config: Config.Config<A>): Effect.Effect<A, SettingInvalid> =>
  read(name, Config.option(config)).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new SettingInvalid({ name, problem: "required, not set" })),
      onSome: Effect.succeed
    }))
  )

export const requiredString = (name: string) =>
  requiredWith(name, Config.String(name)).pipe(
    Effect.filterOrFail((s) => s.trim().length > 0, () => new SettingInvalid({ name, problem: "required, empty" }))
  )

export const requiredSecret = (name: string): Effect.Effect<Redacted.Redacted<string>, SettingInvalid> =>
  requiredWith(name, Config.Redacted(name))

export const optionalSecret = (name: string): Effect.Effect<Option.Option<Redacted.Redacted<string>>, SettingInvalid> =>
  read(name, Config.option(Config.Redacted(name)))

export const stringOr = (name: string, fallback: string) => read(name, Config.String(name).pipe(Config.withDefault(fallback)))

export const positiveIntOr = (name: string, fallback: number) =>
  read(name, Config.String(name).pipe(Config.withDefault(String(fallback)))).pipe(
    Effect.flatMap((text) => {
      const n = Number(text.trim())
      return Number.isInteger(n) && n > 0
        ? Effect.succeed(n)
        : Effect.fail(new SettingInvalid({ name, problem: `expected a positive integer, got "${text}"` }))
    })
  )

const units: Record<string, number> = {
  ms: 1, millis: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, minute: 60_000,
  minutes: 60_000, h: 3_600_000, hour: 3_600_000, hours: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000
}

/** "15s", "500ms", "5m", "20h", "2.5s", "1d", "20 hours"; "0" only when `allowZero`; undefined when malformed. */
export const parseDuration = (text: string, options: { readonly allowZero?: boolean } = {}): Duration.Duration | undefined => {
  if (options.allowZero === true && /^\s*0\s*$/.test(text)) return Duration.zero
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|millis|s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)\s*$/.exec(text)
  if (match === null) return undefined
  const millis = Number(match[1]) * units[match[2]!]!
  return millis > 0 || (options.allowZero === true && millis === 0) ? Duration.millis(millis) : undefined
}

/** Every duration setting of the program is read here, so they all accept the same forms ("20h", "30m", "15s"). */
export const durationOr = (name: string, fallback: string, options: { readonly allowZero?: boolean } = {}) =>
  read(name, Config.String(name).pipe(Config.withDefault(fallback))).pipe(
    Effect.flatMap((text) => {
      const d = parseDuration(text, options)
      return d === undefined
        ? Effect.fail(new SettingInvalid({
          name,
          problem: `expected a duration such as 20h, 30m, 15s, 500ms${options.allowZero ? " or 0" : ""}, got "${text}"`
        }))
        : Effect.succeed(d)
    })
  )

/** A rate limit, or "off" (no limit at all). */
export type RateLimitSetting = RateLimit | "off"

/** "100/5m", "50/2s", "100/300s", "3600/1h", "off"; a string naming the problem when malformed. */
export const parseRateLimit = (text: string): RateLimitSetting | string => {
  const trimmed = text.trim()
  if (trimmed.toLowerCase() === "off") return "off"
  const match = /^(\d+)\s*\/\s*(.+)$/.exec(trimmed)
  if (match === null) return `expected "N/duration" (e.g. 100/5m) or "off", got "${text}"`
  const limit = Number(match[1])
  if (!Number.isSafeInteger(limit) || limit < 1) return `the request count must be a positive integer, got "${text}"`
  const window = parseDuration(match[2]!)
  if (window === undefined) return `the window must be a duration such as 5m, 2s, 300s, 1h, got "${match[2]}"`
  return { limit, window }
}

export const rateLimitOr = (name: string, fallback: string): Effect.Effect<RateLimitSetting, SettingInvalid> =>
  read(name, Config.String(name).pipe(Config.withDefault(fallback))).pipe(
    Effect.flatMap((text) => {
      const parsed = parseRateLimit(text)
      return typeof parsed === "string" && parsed !== "off"
        ? Effect.fail(new SettingInvalid({ name, problem: parsed }))
        : Effect.succeed(parsed)
    })
  )
