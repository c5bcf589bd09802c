import { assert, describe, it } from "@effect/vitest"
import { afterEach } from "vitest"
import type { SandboxHandle } from "../../src/sandbox/Sandbox.ts"
import { makeSlidingWindow, maxInWindow, retryAfterSeconds } from "../../src/sandbox/SlidingWindow.ts"
import { catalogSearch, start, tokenRequest } from "./support.ts"

describe("sliding window (pure)", () => {
  it("admits `limit` in any window and tells how long until the oldest leaves", () => {
    const w = makeSlidingWindow(3, 1000)
    for (const t of [0, 100, 200]) {
      assert.isUndefined(w.check(t))
      w.record(t)
    }
    assert.strictEqual(w.check(999), 1) // the request at 0 leaves at 1000
    assert.isUndefined(w.check(1000))
    w.record(1000)
    assert.strictEqual(w.check(1050), 50) // now the one at 100 is the oldest
  })

  it("counts the busiest half-open window", () => {
    assert.strictEqual(maxInWindow([], 1000), 0)
    assert.strictEqual(maxInWindow([0, 999, 1000, 1999], 1000), 2)
    assert.strictEqual(maxInWindow([0, 500, 999, 1000, 1001, 1200], 1000), 5)
    assert.strictEqual(retryAfterSeconds(1), 1)
    assert.strictEqual(retryAfterSeconds(1000), 1)
    assert.strictEqual(retryAfterSeconds(1001), 2)
  })
})

let sandbox: SandboxHandle | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

const search = { query: { bool: { must: [{ term: { periodoCaptacao: 20271 } }] } }, size: 1 }

describe("sliding window over HTTP (injected clock)", () => {
  it("answers the 6th request of a 5-per-second window with 429 and a correct Retry-After", async () => {
    let now = 10_000
    sandbox = await start({ now: () => now, rateLimit: { limit: 5, windowMs: 1000 } })
    for (let i = 0; i < 5; i++) {
      assert.strictEqual((await tokenRequest(sandbox)).status, 200)
      now += 100 // requests at 10000, 10100, ..., 10400
    }
    now = 10_450
    const throttled = await tokenRequest(sandbox)
    assert.strictEqual(throttled.status, 429)
    // the oldest (10000) leaves the window at 11000: 550 ms -> 1 s
    assert.strictEqual(throttled.headers.get("retry-after"), "1")
    now = 10_999
    assert.strictEqual((await tokenRequest(sandbox)).status, 429)
    now = 11_000
    assert.strictEqual((await tokenRequest(sandbox)).status, 200)
    // the 429s were logged but not counted
    const log = sandbox.log().filter((e) => e.upstream === "kroton")
    assert.strictEqual(log.length, 8)
    assert.deepStrictEqual(log.map((e) => e.accepted), [true, true, true, true, true, false, false, true])
    assert.deepStrictEqual(log.map((e) => e.status), [200, 200, 200, 200, 200, 429, 429, 200])
    assert.isTrue(log.every((e) => e.path === "POST /oauth2/token" && e.route === "token" && e.method === "POST"))
    assert.deepStrictEqual(log.map((e) => e.at), [10_000, 10_100, 10_200, 10_300, 10_400, 10_450, 10_999, 11_000])
    assert.strictEqual(sandbox.maxInAnyWindow("kroton", 1000), 5)
  })

  it("rounds Retry-After up to whole seconds", async () => {
    let now = 0
    sandbox = await start({ now: () => now, rateLimit: { limit: 2, windowMs: 5000 } })
    await tokenRequest(sandbox)
    now = 10
    await tokenRequest(sandbox)
    now = 1500 // the oldest leaves at 5000: 3500 ms -> 4 s
    const res = await tokenRequest(sandbox)
    assert.strictEqual(res.status, 429)
    assert.strictEqual(res.headers.get("retry-after"), "4")
  })

  it("slides: over a timed sequence no window ever holds more than the limit, and capacity comes back gradually", async () => {
    let now = 0
    sandbox = await start({ now: () => now, rateLimit: { limit: 5, windowMs: 1000 } })
    const statuses: Array<number> = []
    // one attempt every 150 ms for 3 s
    for (let t = 0; t <= 3000; t += 150) {
      now = t
      statuses.push((await tokenRequest(sandbox)).status)
    }
    // accepted at 0,150,300,450,600 ; refused 750,900 ; 1050 (0 left) ok, 1200 ok, ...
    assert.deepStrictEqual(statuses.slice(0, 9), [200, 200, 200, 200, 200, 429, 429, 200, 200])
    assert.strictEqual(sandbox.maxInAnyWindow("kroton", 1000), 5)
    // a fixed window would have let 5 at 900..999 and 5 more at 1000..: the sliding count never exceeds 5
    const accepted = sandbox.log().filter((e) => e.accepted).map((e) => e.at)
    for (const a of accepted) assert.isAtMost(accepted.filter((b) => b >= a && b < a + 1000).length, 5)
    assert.isAbove(accepted.length, 10)
  })

  it("counts each upstream separately", async () => {
    let now = 0
    sandbox = await start({ now: () => now, rateLimit: { limit: 2, windowMs: 1000 } })
    await tokenRequest(sandbox)
    await tokenRequest(sandbox)
    assert.strictEqual((await tokenRequest(sandbox)).status, 429)
    assert.strictEqual((await catalogSearch(sandbox, search)).status, 200)
    assert.strictEqual((await fetch(`${sandbox.ibgeNamesUrl}/JOELVAN?sexo=M`)).status, 200)
    // Slack has no limit here
    for (let i = 0; i < 4; i++) {
      const res = await fetch(sandbox.slackWebhookUrl, { method: "POST", body: JSON.stringify({ text: `m${i}` }) })
      assert.strictEqual(res.status, 200)
    }
    assert.strictEqual(sandbox.maxInAnyWindow("kroton", 1000), 2)
    assert.strictEqual(sandbox.maxInAnyWindow("catalog", 1000), 1)
    assert.strictEqual(sandbox.maxInAnyWindow("ibge", 1000), 1)
  })
})
