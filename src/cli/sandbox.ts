// `kroton-leads sandbox`: the outside world on a local port, for demos and dry-runs. Prints the settings a
// client needs (as environment variables) and runs until interrupted.
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { acquireSandbox, clientEnvironment, type SandboxOptions } from "../sandbox/Sandbox.ts"

const units: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** "100/5m" -> { limit: 100, windowMs: 300000 }; units ms, s, m, h (default s). */
export const parseRateLimit = (text: string): { readonly limit: number; readonly windowMs: number } => {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(text)
  if (!m) throw new Error(`expected LIMIT/WINDOW such as 100/5m, got "${text}"`)
  const limit = Number(m[1])
  const windowMs = Number(m[2]) * units[m[3] ?? "s"]!
  if (limit < 1 || windowMs < 1) throw new Error("limit and window must be positive")
  return { limit, windowMs }
}

export const sandboxCommand = Command.make(
  "sandbox",
  {
    port: Flag.Int("port").pipe(Flag.withDescription("port to listen on (0 = any free port)"), Flag.withDefault(4010)),
    host: Flag.String("host").pipe(Flag.withDefault("127.0.0.1")),
    rateLimit: Flag.String("rate-limit").pipe(
      Flag.withDescription("requests per sliding window, per upstream, e.g. 100/5m or 20/2s"),
      Flag.withDefault("100/5m"),
      Flag.mapTryCatch(parseRateLimit, (e) => String(e instanceof Error ? e.message : e))
    ),
    tokenTtl: Flag.Int("token-ttl").pipe(Flag.withDescription("expires_in of issued tokens, seconds"), Flag.withDefault(300)),
    catalogToken: Flag.String("catalog-token").pipe(
      Flag.withDescription("require this Bearer token on the catalog (as staging does)"),
      Flag.optional
    ),
    today: Flag.String("today").pipe(Flag.withDescription("the sandbox's calendar day, YYYY-MM-DD"), Flag.optional),
    pollsToSettle: Flag.Int("polls-to-settle").pipe(Flag.withDefault(2))
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      const options: SandboxOptions = {
        port: flags.port,
        host: flags.host,
        rateLimit: flags.rateLimit,
        tokenTtlSeconds: flags.tokenTtl,
        pollsToSettle: flags.pollsToSettle,
        ...(Option.isSome(flags.catalogToken) ? { catalogToken: flags.catalogToken.value } : {}),
        ...(Option.isSome(flags.today) ? { today: flags.today.value } : {})
      }
      const sandbox = yield* acquireSandbox(options)
      yield* Console.log(
        [
          `# kroton-leads sandbox on ${sandbox.url} (today ${sandbox.today()}, `
          + `${flags.rateLimit.limit} requests per ${flags.rateLimit.windowMs} ms per upstream)`,
          ...Object.entries(clientEnvironment(sandbox, Option.getOrUndefined(flags.catalogToken))).map(([k, v]) => `${k}=${v}`)
        ].join("\n")
      )
      return yield* Effect.never
    }))
).pipe(Command.withDescription("Run a local fake of Kroton's API, the offer catalog, IBGE names and a Slack webhook"))
