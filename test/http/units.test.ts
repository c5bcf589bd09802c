// The pure pieces of the API: token check, funnel, Prometheus text; the OTLP exporter against a loopback
// collector; the settings that decide whether tracing is on.
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { authModeFromConfig, bearerMatches } from "../../src/http/Auth.ts"
import { funnelOf } from "../../src/http/Funnel.ts"
import { render } from "../../src/http/Prometheus.ts"
import * as Tracing from "../../src/http/Tracing.ts"

const withEnv = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env))

describe("auth", () => {
  const token = Redacted.make("s3cret")
  it("accepts exactly Bearer <token>", () => {
    assert.isTrue(bearerMatches(token, "Bearer s3cret"))
    assert.isTrue(bearerMatches(token, "bearer s3cret"))
    for (const bad of [undefined, "", "s3cret", "Bearer", "Bearer s3cre", "Bearer s3crett", "Basic s3cret", "Bearer s3cret x"]) {
      assert.isFalse(bearerMatches(token, bad), String(bad))
    }
  })

  it.effect("without API_TOKEN the server refuses, unless --insecure-local", () =>
    Effect.gen(function*() {
      const refused = yield* authModeFromConfig({ insecureLocal: false }).pipe(withEnv({}), Effect.flip)
      assert.strictEqual(refused._tag, "ApiTokenMissing")
      assert.include(refused.message, "--insecure-local")
      assert.strictEqual((yield* authModeFromConfig({ insecureLocal: true }).pipe(withEnv({})))._tag, "Open")
      const blank = yield* authModeFromConfig({ insecureLocal: false }).pipe(withEnv({ API_TOKEN: "  " }), Effect.flip)
      assert.strictEqual(blank._tag, "ApiTokenMissing")
      const mode = yield* authModeFromConfig({ insecureLocal: true }).pipe(withEnv({ API_TOKEN: "abc" }))
      assert.strictEqual(mode._tag, "Token")
      // the token stays redacted when printed
      assert.notInclude(String(mode._tag === "Token" ? mode.token : ""), "abc")
    }))
})

describe("funnel", () => {
  it("stages count the leads that reached them; dead ends sit beside; days sorted", () => {
    const f = funnelOf([
      { day: "2026-12-02", status: "enrolled", n: 1 },
      { day: "2026-12-01", status: "to_sync", n: 4 },
      { day: "2026-12-01", status: "registered", n: 2 },
      { day: "2026-12-01", status: "dropped", n: 1 },
      { day: "2026-12-01", status: "invalid_data", n: 3 },
      { day: "2026-12-02", status: "register_failed", n: 1 }
    ], { from: undefined, to: undefined })
    assert.strictEqual(f.total, 12)
    assert.deepStrictEqual(f.stages.map((s) => [s.stage, s.reached, s.now]), [
      ["to_sync", 9, 4],
      ["to_register", 5, 0],
      ["registered", 4, 2],
      ["enrolled", 1, 1]
    ])
    assert.deepStrictEqual(f.deadEnds.find((d) => d.status === "invalid_data"), { status: "invalid_data", after: "import", count: 3 })
    assert.deepStrictEqual(f.days.map((d) => [d.day, d.total]), [["2026-12-01", 10], ["2026-12-02", 2]])
  })
})

describe("prometheus", () => {
  it("writes HELP, TYPE and samples with escaped labels", () => {
    const text = render([
      { name: "x_total", help: "a\nb", type: "counter", samples: [{ labels: { k: "q\"uo\\te" }, value: 2 }] },
      { name: "y", help: "h", type: "summary", samples: [{ suffix: "_sum", value: 1.5 }, { suffix: "_count", value: Infinity }] }
    ])
    assert.strictEqual(text, [
      "# HELP x_total a\\nb",
      "# TYPE x_total counter",
      "x_total{k=\"q\\\"uo\\\\te\"} 2",
      "# HELP y h",
      "# TYPE y summary",
      "y_sum 1.5",
      "y_count +Inf",
      ""
    ].join("\n"))
  })
})

describe("tracing", () => {
  it.effect("off without an endpoint, or when OTEL_SDK_DISABLED", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(yield* Tracing.settingsFromConfig.pipe(withEnv({}))))
      assert.isTrue(Option.isNone(yield* Tracing.settingsFromConfig.pipe(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }))))
      const on = Option.getOrThrow(yield* Tracing.settingsFromConfig.pipe(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/", OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=a%20b" })))
      assert.strictEqual(on.url, "http://c:4318/v1/traces")
      assert.strictEqual(on.serviceName, "kroton-leads")
      assert.deepStrictEqual(Redacted.value(on.headers!), { "x-api-key": "a b" })
      const specific = Option.getOrThrow(yield* Tracing.settingsFromConfig.pipe(withEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t/v1/traces" })))
      assert.strictEqual(specific.url, "http://t/v1/traces")
    }))

  it.live("exports spans to a loopback collector (OTLP/HTTP JSON), with the configured headers", () =>
    Effect.gen(function*() {
      const received: Array<{ url: string; key: string | undefined; body: string }> = []
      const collector = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new Promise<ReturnType<typeof createServer>>((resolve) => {
            const server = createServer((req, res) => {
              let body = ""
              req.on("data", (c) => (body += c))
              req.on("end", () => {
                received.push({ url: req.url ?? "", key: req.headers["x-api-key"] as string | undefined, body })
                res.writeHead(200, { "content-type": "application/json" }).end("{}")
              })
            })
            server.listen(0, "127.0.0.1", () => resolve(server))
          })
        ),
        (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
      )
      const port = (collector.address() as AddressInfo).port
      yield* Effect.void.pipe(
        Effect.withSpan("step register"),
        Effect.withSpan("run allJobs"),
        Effect.provide(Tracing.layerWith({ url: `http://127.0.0.1:${port}/v1/traces`, serviceName: "kroton-leads-test", headers: Redacted.make({ "x-api-key": "k" }) }))
      )
      // the layer flushed its batch when it was released
      assert.isAbove(received.length, 0)
      const all = received.map((r) => r.body).join("\n")
      assert.strictEqual(received[0]!.url, "/v1/traces")
      assert.strictEqual(received[0]!.key, "k")
      assert.include(all, "run allJobs")
      assert.include(all, "step register")
      assert.include(all, "kroton-leads-test")
    }).pipe(Effect.scoped))
})
