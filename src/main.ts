// The CLI: the single entry point. Commands map to programs; each command gets its layers here (src/layers.ts).
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
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

root.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(Layer.mergeAll(NodeServices.layer, Logging.layer, Tracing.layer)),
  NodeRuntime.runMain
)
