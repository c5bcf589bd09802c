// Notifier: posts to a local receiver standing in for Slack; failures of Slack never reach the caller.
// Live tests run with it.live: real loopback sockets and the webhook's own (real-time) timeout.
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { maskNotification, Notifier, SentNotifications } from "../../src/services/Notifier.ts"

type Mode = "ok" | "fail" | "reset" | "hang"

/** A stand-in for Slack's incoming webhook on 127.0.0.1; records each JSON body it receives. */
const receiver = (mode: Mode) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly bodies: Array<unknown>; readonly close: () => void }>((resume) => {
      const bodies: Array<unknown> = []
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let raw = ""
        req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")))
        req.on("end", () => {
          bodies.push(JSON.parse(raw))
          if (mode === "ok") res.writeHead(200, { "content-type": "text/plain" }).end("ok")
          else if (mode === "fail") res.writeHead(500).end("internal_error")
          else if (mode === "reset") req.socket.destroy()
          // "hang": never answers; the webhook's timeout must give up
        })
      })
      const close = () => {
        server.closeAllConnections()
        server.close()
      }
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/services/T000/B000/s3cr3tT0k3n`, bodies, close }))
      })
    }),
    (r) => Effect.sync(r.close)
  )

/** Every log line of the test, as text. */
const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    lines.push(`${logLevel} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  return { lines, layer: Logger.layer([logger]) }
}

const liveNotifier = (env: Record<string, string>, logs: ReturnType<typeof captureLogs>) =>
  Notifier.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))), Layer.provideMerge(logs.layer))

const personal = "Lead 378.457.608-70 (mauricio.matsoui@redealumni.com, 11 97540-5666) failed"

describe("Notifier (live)", () => {
  it.live("posts text and blocks to the webhook, masked", () =>
    Effect.gen(function*() {
      const slack = yield* receiver("ok")
      const logs = captureLogs()
      yield* Notifier.use((n) =>
        n.notify({ text: personal, blocks: [{ type: "section", text: { type: "mrkdwn", text: personal } }] })
      ).pipe(Effect.provide(liveNotifier({ SLACK_WEBHOOK_URL: slack.url }, logs)))
      assert.strictEqual(slack.bodies.length, 1)
      const body = slack.bodies[0] as { text: string; blocks: Array<{ text: { text: string } }> }
      const masked = "Lead ***.457.***-** (m***@r***.com, *******5666) failed"
      assert.strictEqual(body.text, masked)
      assert.strictEqual(body.blocks[0]!.text.text, masked)
      assert.deepStrictEqual(logs.lines.filter((l) => l.startsWith("Warn")), [])
    }))

  for (const mode of ["fail", "reset", "hang"] as const) {
    it.live(`a receiver that does "${mode}" does not fail notify; the warning hides the URL`, () =>
      Effect.gen(function*() {
        const slack = yield* receiver(mode)
        const logs = captureLogs()
        yield* Notifier.use((n) => n.notify({ text: "run 42 finished" })).pipe(
          Effect.provide(liveNotifier({ SLACK_WEBHOOK_URL: slack.url, SLACK_TIMEOUT: "200 millis" }, logs))
        )
        assert.strictEqual(slack.bodies.length, 1)
        const warnings = logs.lines.filter((l) => l.startsWith("Warn"))
        assert.strictEqual(warnings.length, 1)
        assert.match(warnings[0]!, /Slack notification not delivered: slack_webhook_(http|request)_error/)
        assert.isFalse(logs.lines.some((l) => l.includes("s3cr3tT0k3n") || l.includes("127.0.0.1")))
      }))
  }

  it.live("a refused connection does not fail notify", () =>
    Effect.gen(function*() {
      const slack = yield* receiver("ok")
      slack.close()
      const logs = captureLogs()
      yield* Notifier.use((n) => n.notify({ text: "run 43 finished" })).pipe(
        Effect.provide(liveNotifier({ SLACK_WEBHOOK_URL: slack.url }, logs))
      )
      assert.strictEqual(logs.lines.filter((l) => l.startsWith("Warn")).length, 1)
      assert.isFalse(logs.lines.some((l) => l.includes("s3cr3tT0k3n")))
    }))

  it.live("without SLACK_WEBHOOK_URL it logs the masked message and sends nothing", () =>
    Effect.gen(function*() {
      const slack = yield* receiver("ok")
      for (const env of [{}, { SLACK_WEBHOOK_URL: "  " }]) {
        const logs = captureLogs()
        yield* Notifier.use((n) => n.notify({ text: personal })).pipe(Effect.provide(liveNotifier(env, logs)))
        assert.deepStrictEqual(logs.lines, ["Info Lead ***.457.***-** (m***@r***.com, *******5666) failed"])
      }
      assert.strictEqual(slack.bodies.length, 0)
    }))
})

describe("Notifier.layerTest", () => {
  it.effect("records the messages, masked", () =>
    Effect.gen(function*() {
      const notifier = yield* Notifier
      yield* notifier.notify({ text: "run 1 started" })
      yield* notifier.notify({ text: personal, blocks: [{ type: "section", fields: [personal, 3] }] })
      const sent = yield* SentNotifications.use((s) => s.sent)
      assert.deepStrictEqual(sent, [
        { text: "run 1 started" },
        {
          text: "Lead ***.457.***-** (m***@r***.com, *******5666) failed",
          blocks: [{ type: "section", fields: ["Lead ***.457.***-** (m***@r***.com, *******5666) failed", 3] }]
        }
      ])
      yield* SentNotifications.use((s) => s.clear)
      assert.deepStrictEqual(yield* SentNotifications.use((s) => s.sent), [])
    }).pipe(Effect.provide(Notifier.layerTest)))

  it("maskNotification leaves clean text alone", () => {
    assert.deepStrictEqual(maskNotification({ text: "12 leads registered, 3 failed" }), { text: "12 leads registered, 3 failed" })
  })
})
