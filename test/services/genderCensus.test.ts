// GenderCensus: the decision, the shipped table, and the IBGE names API fallback against a local server.
// HTTP tests run with it.live: the requests go over real loopback sockets and the retries wait a few real
// milliseconds; no assertion depends on how long anything takes.
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import {
  type CensusTable,
  decide,
  GenderCensus,
  loadCensusTable,
  makeLive,
  parseCensusTable
} from "../../src/services/GenderCensus.ts"
import { RateBudget } from "../../src/services/RateBudget.ts"
import { databaseKinds, freshDatabase } from "../support/database.ts"

// ------------------------------------------------------------------------------------------ pure parts

describe("decide", () => {
  it("assigns at exactly the threshold, not just below", () => {
    assert.deepStrictEqual(decide("x", 0.9, 0.9, "table"), { firstName: "x", gender: "F", probability: 0.9, source: "table" })
    assert.deepStrictEqual(decide("x", 0.8999, 0.9, "table"), { firstName: "x", gender: undefined, probability: 0.8999, source: "table" })
    assert.deepStrictEqual(decide("x", 0.1, 0.9, "table"), { firstName: "x", gender: "M", probability: 0.9, source: "table" })
    assert.deepStrictEqual(decide("x", 0.1001, 0.9, "table"), { firstName: "x", gender: undefined, probability: 0.8999, source: "table" })
    assert.deepStrictEqual(decide("x", 0.5, 0.9, "ibge"), { firstName: "x", gender: undefined, probability: 0.5, source: "ibge" })
    assert.deepStrictEqual(decide("x", 1, 0.9, "cache"), { firstName: "x", gender: "F", probability: 1, source: "cache" })
    assert.deepStrictEqual(decide("x", 0, 0.9, "cache"), { firstName: "x", gender: "M", probability: 1, source: "cache" })
  })

  it("a float4 round trip of 0.9 still counts as 0.9", () => {
    assert.strictEqual(decide("x", Math.fround(0.9), 0.9, "cache").gender, "F")
    assert.strictEqual(decide("x", Math.fround(0.1), 0.9, "cache").gender, "M")
  })

  it("honours another threshold", () => {
    assert.strictEqual(decide("x", 0.75, 0.75, "table").gender, "F")
    assert.strictEqual(decide("x", 0.74, 0.75, "table").gender, undefined)
  })

  it("an unknown share is unknown", () => {
    assert.deepStrictEqual(decide("x", undefined, 0.9, "ibge"), { firstName: "x", gender: undefined, probability: undefined, source: "unknown" })
  })
})

describe("census table", () => {
  it("parses the front-coded format", () => {
    const table = parseCensusTable("0mari\t500\n4a\t999\n3io\t0\n0ze\t1000\nbroken line\n")
    assert.deepStrictEqual([...table], [["mari", 0.5], ["maria", 0.999], ["mario", 0], ["ze", 1]])
  })

  it("ships every usable census name", () => {
    const table = loadCensusTable()
    assert.strictEqual(table.size, 141_738)
    assert.isAbove(table.get("maria")!, 0.99)
    assert.isBelow(table.get("joao")!, 0.01)
    assert.isBelow(table.get("jose")!, 0.01)
    assert.isTrue([...table.keys()].every((name) => /^[a-z]+$/.test(name)))
    assert.isTrue([...table.values()].every((share) => share >= 0 && share <= 1))
  })

  it.effect("layerTest answers from the given table", () =>
    Effect.gen(function*() {
      const census = yield* GenderCensus
      assert.deepStrictEqual(yield* census.infer("  Ana-Júlia Souza"), { firstName: "ana", gender: "F", probability: 0.99, source: "table" })
      assert.deepStrictEqual(yield* census.infer("Ariel"), { firstName: "ariel", gender: undefined, probability: 0.6, source: "table" })
      assert.deepStrictEqual(yield* census.infer("Zzyzx"), { firstName: "zzyzx", gender: undefined, probability: undefined, source: "unknown" })
    }).pipe(Effect.provide(GenderCensus.layerTest({ ana: 0.99, ariel: 0.4 }))))
})

// ------------------------------------------------------------------------------------------ IBGE fallback

type Reply = { readonly status: number; readonly body: string; readonly headers?: Record<string, string> } | "hang"
type Answer = (name: string, sexo: string, attempt: number) => Reply

const counts = (nome: string, sexo: string, n: number) =>
  JSON.stringify([{ nome: nome.toUpperCase(), sexo, localidade: "BR", res: [{ periodo: "[1990,2000[", frequencia: n - Math.floor(n / 2) }, { periodo: "[2000,2010[", frequencia: Math.floor(n / 2) }] }])
const ok = (body: string): Reply => ({ status: 200, body })

/** A stand-in for the IBGE names API on 127.0.0.1; records every request as "name?sexo=X". */
const ibgeServer = (answer: Answer) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly requests: Array<string>; readonly close: () => void }>((resume) => {
      const requests: Array<string> = []
      const open = new Set<ServerResponse>()
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        const name = decodeURIComponent(url.pathname.replace(/^\/nomes\//, ""))
        const sexo = url.searchParams.get("sexo") ?? ""
        const key = `${name}?sexo=${sexo}`
        requests.push(key)
        const reply = answer(name, sexo, requests.filter((r) => r === key).length)
        if (reply === "hang") return void open.add(res)
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(reply.body)
      })
      const close = () => {
        for (const res of open) res.destroy()
        server.closeAllConnections()
        server.close()
      }
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/nomes`, requests, close }))
      })
    }),
    (s) => Effect.sync(s.close)
  )

/** A budget that grants at once and counts; a 429 is recorded. */
const countingBudget = () => {
  const state = { acquired: 0, throttled: [] as Array<number> }
  const layer = Layer.succeed(RateBudget, {
    acquire: () => Effect.sync(() => void state.acquired++),
    throttled: (_upstream, retryAfter) => Effect.sync(() => void state.throttled.push(Duration.toMillis(retryAfter))),
    usage: (upstream) => Effect.succeed({ upstream, limit: 100, windowMillis: 300_000, used: state.acquired, pausedUntil: undefined })
  })
  return { state, layer }
}

const emptyTable: CensusTable = new Map([["maria", 0.999]])

/** A live service against `url`; each call makes a new instance (empty in-memory cache), sharing the database. */
const live = (url: string, budget: Layer.Layer<RateBudget>, overrides: { timeout?: Duration.Input; retries?: number } = {}) =>
  makeLive({
    minProbability: 0.9,
    ibgeUrl: `${url}/`,
    timeout: overrides.timeout ?? Duration.seconds(5),
    retries: overrides.retries ?? 2,
    retryBase: Duration.millis(5),
    table: emptyTable
  }).pipe(Effect.provide(Layer.merge(budget, FetchHttpClient.layer)))

describe.each(databaseKinds)("IBGE names API fallback (%s)", (kind) => {
  it.live("asks once, then answers from the cache in census_names", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer((name, sexo) => ok(counts(name, sexo, sexo === "F" ? 990 : 10)))
      const budget = countingBudget()
      const first = yield* live(server.url, budget.layer)
      assert.deepStrictEqual(yield* first.infer("Zuleidy Souza"), { firstName: "zuleidy", gender: "F", probability: 0.99, source: "ibge" })
      assert.deepStrictEqual(yield* first.infer("ZULEIDY"), { firstName: "zuleidy", gender: "F", probability: 0.99, source: "ibge" })
      assert.deepStrictEqual([...server.requests].sort(), ["zuleidy?sexo=F", "zuleidy?sexo=M"])
      assert.strictEqual(budget.state.acquired, 2)

      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.unsafe<{ name: string; share: number; total: number }>(
        "SELECT name, female_share::float8 AS share, total FROM census_names"
      )
      assert.strictEqual(rows.length, 1)
      assert.strictEqual(rows[0]!.name, "zuleidy")
      assert.closeTo(rows[0]!.share, 0.99, 1e-6)
      assert.strictEqual(rows[0]!.total, 1000)

      // a new process (empty memory) finds it in the database
      const second = yield* live(server.url, budget.layer)
      assert.deepStrictEqual(yield* second.infer("Zuleidy"), { firstName: "zuleidy", gender: "F", probability: 0.99, source: "cache" })
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(freshDatabase(kind))))

  it.live("concurrent infers of one name make one pair of requests", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer((name, sexo) => ok(counts(name, sexo, sexo === "M" ? 95 : 5)))
      const census = yield* live(server.url, countingBudget().layer)
      const guesses = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => census.infer(i % 2 === 0 ? "Kauãzinho Silva" : "kauazinho")),
        { concurrency: "unbounded" }
      )
      assert.isTrue(guesses.every((g) => g.gender === "M" && g.probability === 0.95 && g.source === "ibge"))
      assert.deepStrictEqual([...server.requests].sort(), ["kauazinho?sexo=F", "kauazinho?sexo=M"])
    }).pipe(Effect.provide(freshDatabase(kind))))

  it.live("an unknown name is cached as unknown (NULL share) and not asked again", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer(() => ok("[]"))
      const budget = countingBudget()
      const census = yield* live(server.url, budget.layer)
      assert.deepStrictEqual(yield* census.infer("Xqwerty"), { firstName: "xqwerty", gender: undefined, probability: undefined, source: "unknown" })
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.unsafe<{ femaleShare: number | null; total: number }>("SELECT female_share, total FROM census_names WHERE name = 'xqwerty'")
      assert.deepStrictEqual(rows.map((r) => [r.femaleShare, r.total]), [[null, 0]])
      const again = yield* live(server.url, budget.layer)
      assert.deepStrictEqual(yield* again.infer("Xqwerty"), { firstName: "xqwerty", gender: undefined, probability: undefined, source: "unknown" })
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(freshDatabase(kind))))

  it.live("a malformed answer is CensusUnavailable, is not cached, and is asked again later", () =>
    Effect.gen(function*() {
      let malformed = true
      const server = yield* ibgeServer((name, sexo) =>
        malformed ? ok(sexo === "F" ? `{"unexpected":true}` : "<html>oops</html>") : ok(counts(name, sexo, 10))
      )
      const census = yield* live(server.url, countingBudget().layer)
      const exit = yield* Effect.exit(census.infer("Yzabel"))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(census.infer("Yzabel"))
      assert.strictEqual(error._tag, "CensusUnavailable")
      assert.match(error.message, /^IBGE names API unavailable: yzabel: (unexpected answer|body is not JSON)/)
      const sql = yield* SqlClient.SqlClient
      assert.strictEqual((yield* sql.unsafe("SELECT 1 FROM census_names")).length, 0)
      malformed = false
      assert.deepStrictEqual(yield* census.infer("Yzabel"), { firstName: "yzabel", gender: undefined, probability: 0.5, source: "ibge" })
    }).pipe(Effect.provide(freshDatabase(kind))))
})

describe("IBGE names API faults", () => {
  const db = freshDatabase("pglite")

  it.live("a name of the table asks nothing", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer(() => ok("[]"))
      const census = yield* live(server.url, countingBudget().layer)
      assert.deepStrictEqual(yield* census.infer("MARIA José"), { firstName: "maria", gender: "F", probability: 0.999, source: "table" })
      assert.deepStrictEqual(yield* census.infer("  "), { firstName: "", gender: undefined, probability: undefined, source: "unknown" })
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.provide(db)))

  it.live("5xx is retried within the budget, then succeeds", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer((name, sexo, attempt) =>
        sexo === "M" && attempt <= 2 ? { status: 503, body: "busy" } : ok(counts(name, sexo, 50))
      )
      const budget = countingBudget()
      const census = yield* live(server.url, budget.layer, { retries: 2 })
      assert.strictEqual((yield* census.infer("Wendelyn")).probability, 0.5)
      assert.strictEqual(server.requests.filter((r) => r === "wendelyn?sexo=M").length, 3)
      assert.strictEqual(budget.state.acquired, server.requests.length)
    }).pipe(Effect.provide(db)))

  it.live("5xx beyond the retries is CensusUnavailable", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer(() => ({ status: 502, body: "" }))
      const census = yield* live(server.url, countingBudget().layer, { retries: 2 })
      const error = yield* Effect.flip(census.infer("Vandreya"))
      assert.strictEqual(error._tag, "CensusUnavailable")
      assert.match(error.reason, /HTTP 502/)
      // the first attempt and 2 retries; the second request (sexo=F) is not sent
      assert.deepStrictEqual(server.requests, ["vandreya?sexo=M", "vandreya?sexo=M", "vandreya?sexo=M"])
    }).pipe(Effect.provide(db)))

  it.live("a 4xx is not retried", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer(() => ({ status: 400, body: "{}" }))
      const census = yield* live(server.url, countingBudget().layer, { retries: 2 })
      const error = yield* Effect.flip(census.infer("Uzziel"))
      assert.match(error.reason, /HTTP 400/)
      assert.deepStrictEqual(server.requests, ["uzziel?sexo=M"])
    }).pipe(Effect.provide(db)))

  it.live("429 pauses the budget for Retry-After, then retries", () =>
    Effect.gen(function*() {
      let first = true
      const server = yield* ibgeServer((name, sexo) => {
        if (first) {
          first = false
          return { status: 429, body: "", headers: { "retry-after": "7" } }
        }
        return ok(counts(name, sexo, 20))
      })
      const budget = countingBudget()
      const census = yield* live(server.url, budget.layer)
      assert.strictEqual((yield* census.infer("Tayrine")).probability, 0.5)
      assert.deepStrictEqual(budget.state.throttled, [7_000])
      assert.strictEqual(server.requests.length, 3)
    }).pipe(Effect.provide(db)))

  it.live("a hung server times out into CensusUnavailable", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer(() => "hang")
      const census = yield* live(server.url, countingBudget().layer, { timeout: Duration.millis(100), retries: 1 })
      const error = yield* Effect.flip(census.infer("Sulamyta"))
      assert.match(error.reason, /timeout/)
      assert.deepStrictEqual(server.requests, ["sulamyta?sexo=M", "sulamyta?sexo=M"])
    }).pipe(Effect.provide(db)))

  it.live("waiting for the budget does not count against the request timeout", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer((name, sexo) => ok(counts(name, sexo, 10)))
      const slowBudget = Layer.succeed(RateBudget, {
        acquire: () => Effect.sleep(Duration.millis(150)),
        throttled: () => Effect.void,
        usage: (upstream) => Effect.succeed({ upstream, limit: 1, windowMillis: 1, used: 0, pausedUntil: undefined })
      })
      const census = yield* live(server.url, slowBudget, { timeout: Duration.millis(100), retries: 0 })
      assert.strictEqual((yield* census.infer("Quelvyn")).probability, 0.5)
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(db)))

  it.live("a refused connection is CensusUnavailable", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer(() => ok("[]"))
      const url = server.url
      server.close()
      const census = yield* live(url, countingBudget().layer, { retries: 1 })
      const error = yield* Effect.flip(census.infer("Rosangelly"))
      assert.strictEqual(error._tag, "CensusUnavailable")
      assert.match(error.reason, /TransportError/)
    }).pipe(Effect.provide(db)))
})

describe("GenderCensus.layer", () => {
  it.live("reads IBGE_NAMES_URL and GENDER_MIN_PROBABILITY, and ships the census table", () =>
    Effect.gen(function*() {
      const server = yield* ibgeServer((name, sexo) => ok(counts(name, sexo, sexo === "F" ? 940 : 60)))
      const budget = countingBudget()
      const layer = GenderCensus.layer.pipe(
        Layer.provide(budget.layer),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({
          IBGE_NAMES_URL: server.url,
          GENDER_MIN_PROBABILITY: "0.95"
        })))
      )
      const guesses = yield* Effect.all([
        GenderCensus.use((c) => c.infer("Maria Aparecida")),
        GenderCensus.use((c) => c.infer("Xqzuleidy"))
      ]).pipe(Effect.provide(layer))
      assert.deepStrictEqual(guesses.map((g) => [g.firstName, g.gender, g.source]), [["maria", "F", "table"], ["xqzuleidy", undefined, "ibge"]])
      assert.strictEqual(guesses[1]!.probability, 0.94)
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(freshDatabase("pglite"))))
})
