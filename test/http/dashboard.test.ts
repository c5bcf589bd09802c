// The dashboard in a real headless browser (Debian's chromium through playwright-core) against a served API
// over a seeded database: the funnel shows the database's counts, a dry run started from the button shows
// in the runs list, the real run needs a confirm; screenshots (laptop, phone) go to test-output/.
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import { existsSync, mkdirSync } from "node:fs"
import { chromium, type Browser, type Page } from "playwright-core"
import { statuses } from "../../src/domain/Status.ts"
import { apiLayer, gate, resetGate, seed, token } from "./support.ts"

const chromiumPath = "/usr/bin/chromium"
const outDir = new URL("../../test-output/", import.meta.url)

const launch = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
  ),
  (browser: Browser) => Effect.promise(() => browser.close())
)

const countsShown = (page: Page) =>
  Effect.promise(() =>
    page.$$eval(".count[data-status]", (nodes) =>
      nodes.map((n) => [n.getAttribute("data-status")!, Number(n.textContent!.replace(/\D/g, ""))] as const))
  )

describe("dashboard", () => {
  it.live("chromium is installed where the test expects it", () =>
    Effect.sync(() => assert.isTrue(existsSync(chromiumPath), `no browser at ${chromiumPath}: install Debian's chromium`)))

  it.live("shows the funnel of the database, starts a dry run from the button, then a confirmed real run", () =>
    Effect.gen(function*() {
      mkdirSync(outDir, { recursive: true })
      yield* resetGate
      yield* Deferred.succeed(gate.current, undefined) // the "hold" node of the fake graph ends at once
      const server = yield* HttpServer.HttpServer
      const address = server.address
      assert.isTrue("port" in address, `a TCP server, got ${address._tag}`)
      const base = `http://127.0.0.1:${"port" in address ? address.port : 0}`
      const sql = yield* SqlClient.SqlClient
      const inDb = new Map(
        (yield* sql.unsafe<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status")).map((r) => [r.status, r.n])
      )

      const browser = yield* launch
      const page = yield* Effect.promise(() => browser.newPage({ viewport: { width: 1280, height: 900 } }))
      const errors: Array<string> = []
      page.on("pageerror", (e) => errors.push(String(e)))
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())))

      yield* Effect.promise(() => page.goto(`${base}/`))
      // no token yet: the page asks for it; a wrong one is refused
      yield* Effect.promise(() => page.fill("#token-input", "wrong"))
      yield* Effect.promise(() => page.click("#token-form button[type=submit]"))
      yield* Effect.promise(() => page.waitForSelector("#token-error >> text=refused"))
      yield* Effect.promise(() => page.fill("#token-input", token))
      yield* Effect.promise(() => page.click("#token-form button[type=submit]"))
      yield* Effect.promise(() => page.waitForSelector("body[data-ready=true]"))

      // every status, as many as in the database
      const shown = yield* countsShown(page)
      assert.sameMembers(shown.map(([s]) => s), [...statuses])
      for (const [status, n] of shown) assert.strictEqual(n, inDb.get(status) ?? 0, status)
      // the seeded run is in the timeline, its failed step with its error
      const seededRun = yield* Effect.promise(() => page.textContent("li.run[data-run-id=run_seed]"))
      assert.include(seededRun!, "Kroton answered 500 three times")

      // real run impossible before a dry run of the selection
      assert.isTrue(yield* Effect.promise(() => page.isDisabled("#real-run-button")))
      yield* Effect.promise(() => page.selectOption("#selection", "allJobs"))
      yield* Effect.promise(() => page.click("#dry-run-button"))
      yield* Effect.promise(() => page.waitForSelector("li.run[data-dry-run=true][data-status=failed]"))
      const dryRunId = yield* Effect.promise(() => page.getAttribute("li.run[data-dry-run=true]", "data-run-id"))
      assert.match(dryRunId!, /^run_/)
      assert.include((yield* Effect.promise(() => page.textContent("#run-message")))!, dryRunId!)

      // the real run asks first; dismissing starts nothing
      let dialogs = 0
      page.once("dialog", (d) => void (dialogs++, d.dismiss()))
      yield* Effect.promise(() => page.click("#real-run-button"))
      yield* Effect.promise(() => page.waitForTimeout(300))
      assert.strictEqual(dialogs, 1)
      assert.strictEqual((yield* sql.unsafe("SELECT id FROM runs WHERE selection = 'allJobs' AND id <> 'run_seed'")).length, 0)
      page.once("dialog", (d) => void (dialogs++, d.accept()))
      yield* Effect.promise(() => page.click("#real-run-button"))
      yield* Effect.promise(() => page.waitForSelector("#run-message >> text=/^Run run_/"))
      const realRunId = /^Run (\S+) started/.exec((yield* Effect.promise(() => page.textContent("#run-message")))!)![1]!
      // the list refreshes every 4 s; it ends failed ("broken" is part of allJobs)
      yield* Effect.promise(() => page.waitForSelector(`li.run[data-run-id="${realRunId}"][data-dry-run=false][data-status=failed]`, { timeout: 20_000 }))
      assert.strictEqual(dialogs, 2)
      assert.strictEqual((yield* sql.unsafe("SELECT id FROM runs WHERE selection = 'allJobs' AND id <> 'run_seed'")).length, 1)

      yield* Effect.promise(() => page.screenshot({ path: new URL("dashboard.png", outDir).pathname, fullPage: true }))
      yield* Effect.promise(() => page.setViewportSize({ width: 390, height: 844 }))
      yield* Effect.promise(() => page.screenshot({ path: new URL("dashboard-phone.png", outDir).pathname, fullPage: true }))
      // nothing overflows sideways on a phone
      const overflow = yield* Effect.promise(() => page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
      assert.isAtMost(overflow as number, 0)
      assert.deepStrictEqual(errors.filter((e) => !e.includes("401")), [])
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.effectDiscard(seed.pipe(Effect.orDie)).pipe(Layer.provideMerge(apiLayer("postgres"))))
    ), 60_000)
})
