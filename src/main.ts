// The CLI: the single entry point. Commands map to programs; each command gets its layers here (src/layers.ts).
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Console, Effect, Layer, Option } from "effect"
import { Command } from "effect/cli"
import { demoCommand } from "./cli/demo.ts"
import { importCommand, statusCommand } from "./cli/import.ts"
import { makeRunCommand, runsCommand } from "./cli/run.ts"
import { sandboxCommand } from "./cli/sandbox.ts"
import { serveCommand } from "./cli/serve.ts"
import * as Database from "./db/Database.ts"
import { migrate } from "./db/Migrations.ts"
import { allJobsDag } from "./dag/allJobs.ts"
import { RunStore } from "./dag/RunStore.ts"
import * as Tracing from "./http/Tracing.ts"
import { databaseFromEnv, pipeline, pipelineDryRun } from "./layers.ts"
import { maskText } from "./domain/Mask.ts"
import * as Logging from "./Logging.ts"
import { LeadStore } from "./services/LeadStore.ts"

const migrateCommand = Command.make("migrate", {}, () =>
  Effect.gen(function*() {
    const applied = yield* migrate
    yield* Console.log(applied.length === 0 ? "database is up to date" : `applied ${applied.join(", ")}`)
  })).pipe(
    Command.withDescription("Apply the pending SQL migrations of sql/migrations/ (each once, in order)"),
    Command.provide(Database.layer)
  )

const leadStore = LeadStore.layer.pipe(Layer.provideMerge(databaseFromEnv))

const root = Command.make("kroton-leads").pipe(
  Command.withDescription("Imports Quero Educação leads and registers them in Kroton's vestibular"),
  Command.withSubcommands([
    migrateCommand,
    importCommand.pipe(Command.provide(leadStore)),
    statusCommand.pipe(Command.provide(leadStore)),
    makeRunCommand(allJobsDag).pipe(
      Command.provide((input) => input.dryRun ? pipelineDryRun(Database.layer) : pipeline(Database.layer))
    ),
    runsCommand.pipe(Command.provide(RunStore.layer.pipe(Layer.provideMerge(databaseFromEnv)))),
    serveCommand.pipe(Command.provide(pipeline(Database.layer))),
    demoCommand,
    sandboxCommand
  ])
)

/**
 * An expected failure (a setting missing, migrations pending, a file unreadable, a run that failed) is one line on
 * stderr and exit code 1; only a defect (a bug) prints its stack.
 */
const reportFailure = <A, R>(self: Effect.Effect<A, unknown, R>) =>
  self.pipe(
    Effect.catchCause((cause) => {
      const error = Cause.findErrorOption(cause)
      if (Option.isNone(error) || Cause.hasDies(cause)) return Effect.failCause(cause)
      const e = error.value
      const line = e instanceof Error ? e.message || String(e) : String(e)
      return Console.error(`kroton-leads: ${maskText(line)}`).pipe(
        Effect.andThen(Effect.sync(() => void (process.exitCode = 1)))
      )
    })
  )

root.pipe(
  Command.run({ version: "0.1.0" }),
  reportFailure,
  Effect.provide(Layer.mergeAll(NodeServices.layer, Logging.layer, Tracing.layer)),
  NodeRuntime.runMain
)
