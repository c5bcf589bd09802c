// The sandbox in its own process for bench/pipeline.ts, so that its HTTP handling does not share the event loop
// (nor the CPU time slices) of the program measured. Started with node:child_process fork (IPC channel):
//   argv: <limit> <windowMs>
// It sends { urls } once listening; it answers { type: "log" } with { log } (the request log, compact) and
// exits on { type: "close" }.
import { startSandbox } from "../src/sandbox/Sandbox.ts"

export interface SandboxUrls {
  readonly krotonUrl: string
  readonly catalogUrl: string
  readonly ibgeNamesUrl: string
  readonly slackWebhookUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
}

/** One request of the sandbox's log: [upstream, route, status, at, accepted (1/0)]. */
export type CompactEntry = readonly [string, string, number, number, number]

export type ToSandbox = { readonly type: "log" } | { readonly type: "close" }
export type FromSandbox =
  | { readonly type: "ready"; readonly urls: SandboxUrls }
  | {
    readonly type: "log"
    readonly log: ReadonlyArray<CompactEntry>
    readonly postsByCpf: ReadonlyArray<number>
    /** CPU time of the sandbox process so far, ms */
    readonly cpuMs: number
  }

const send = (message: FromSandbox) => process.send!(message)

if (process.send !== undefined) {
  const limit = Number(process.argv[2] ?? 100)
  const windowMs = Number(process.argv[3] ?? 300_000)
  const sandbox = await startSandbox({ rateLimit: { limit, windowMs } })
  send({
    type: "ready",
    urls: {
      krotonUrl: sandbox.krotonUrl,
      catalogUrl: sandbox.catalogUrl,
      ibgeNamesUrl: sandbox.ibgeNamesUrl,
      slackWebhookUrl: sandbox.slackWebhookUrl,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      scope: sandbox.scope
    }
  })
  process.on("message", (message: ToSandbox) => {
    if (message.type === "log") {
      send({
        type: "log",
        log: sandbox.log().map((e) => [e.upstream, e.route, e.status, e.at, e.accepted ? 1 : 0] as const),
        postsByCpf: [...sandbox.postsByCpf().values()],
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000
      })
    } else {
      void sandbox.close().then(() => process.exit(0))
    }
  })
  process.on("disconnect", () => process.exit(0))
}
