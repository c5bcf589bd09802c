// `kroton-leads serve [--port N] [--insecure-local]`: the API and the operations dashboard. Refuses to start
// without API_TOKEN (one line on stderr, exit code 1) unless --insecure-local, which listens on 127.0.0.1 only.
// Wired into main by the lead engineer, who provides what the graph's nodes, the Notifier, the RateBudget
// and the SqlClient need (Command.provide).
import { Config, Console, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { checkMigrated } from "../db/Migrations.ts"
import { allJobsDag } from "../dag/allJobs.ts"
import { RunStore } from "../dag/RunStore.ts"
import { authModeFromConfig } from "../http/Auth.ts"
import * as HttpApi from "../http/HttpApi.ts"

/** Stops the command with one line on stderr and exit code 1 (no stack trace: these are settings problems). */
const refuse = (line: string) =>
  Console.error(`kroton-leads serve: ${line}`).pipe(Effect.andThen(Effect.sync(() => void (process.exitCode = 1))))

export const serveCommand = Command.make(
  "serve",
  {
    port: Flag.Int("port").pipe(
      Flag.withDescription("port to listen on (default: PORT, else 8080; 0 = any free port)"),
      Flag.withFallbackConfig(Config.Int("PORT")),
      Flag.withDefault(8080)
    ),
    insecureLocal: Flag.Boolean("insecure-local").pipe(
      Flag.withDescription("serve without API_TOKEN, listening on 127.0.0.1 only (a laptop, never a shared host)"),
      Flag.withDefault(false)
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const mode = yield* authModeFromConfig({ insecureLocal: flags.insecureLocal }).pipe(Effect.option)
      if (mode._tag === "None") {
        return yield* refuse("API_TOKEN is not set; set it, or pass --insecure-local to serve on 127.0.0.1 only without authentication")
      }
      const migrated = yield* checkMigrated.pipe(Effect.result)
      if (migrated._tag === "Failure") return yield* refuse(migrated.failure.message)
      const host = flags.insecureLocal ? "127.0.0.1" : undefined
      if (mode.value._tag === "Open") yield* Effect.logWarning("serving WITHOUT authentication (--insecure-local), on 127.0.0.1 only")
      return yield* Layer.launch(
        HttpApi.layer(allJobsDag, mode.value, { port: flags.port, host }).pipe(Layer.provide(RunStore.layer))
      )
    })
).pipe(Command.withDescription("Serve the API (runs, leads, funnel, metrics) and the operations dashboard at /"))
