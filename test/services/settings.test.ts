import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import { parseDuration, parseRateLimit } from "../../src/services/upstream/Settings.ts"

describe("duration settings", () => {
  it("accept the short and the long forms", () => {
    for (const [text, millis] of [["20h", 72_000_000], ["30m", 1_800_000], ["15s", 15_000], ["500ms", 500], ["1d", 86_400_000], ["20 hours", 72_000_000], ["1 hour", 3_600_000], ["2.5s", 2500]] as const) {
      assert.strictEqual(Duration.toMillis(parseDuration(text)!), millis, text)
    }
  })
  it("0 only where it means something (CHECK_INTERVAL: re-check every time)", () => {
    assert.isUndefined(parseDuration("0"))
    assert.strictEqual(Duration.toMillis(parseDuration("0", { allowZero: true })!), 0)
  })
  it("refuse what is not a duration", () => {
    for (const text of ["fast", "", "10", "-5s", "5 fortnights"]) assert.isUndefined(parseDuration(text), text)
  })
  it("rate limits: N/duration or off", () => {
    assert.strictEqual(parseRateLimit("off"), "off")
    const limit = parseRateLimit("100/5m")
    assert.deepStrictEqual(typeof limit === "string" ? limit : { limit: limit.limit, ms: Duration.toMillis(limit.window) }, { limit: 100, ms: 300_000 })
    assert.isString(parseRateLimit("100 per 5 minutes"))
    assert.isString(parseRateLimit("0/5m"))
  })
})
