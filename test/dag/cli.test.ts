import { assert, describe, it } from "@effect/vitest"
import { Console, Effect, FileSystem, Layer, Path, Stdio, Terminal } from "effect"
import { Command } from "effect/cli"
import { ChildProcessSpawner } from "effect/process"
import { makeRunCommand, runsCommand } from "../../src/cli/run.ts"
import { StepContext } from "../../src/dag/StepContext.ts"
import { dagOf, dumpTables, fake, recordingNotifier, storeLayer } from "./support.ts"

const cliEnvironment = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  Stdio.layerTest({}),
  Layer.succeed(Terminal.Terminal, Terminal.make({
    columns: Effect.succeed(80),
    rows: Effect.succeed(24),
    size: Effect.die("unused"),
    readInput: Effect.die("unused"),
    readLine: Effect.die("unused"),
    display: () => Effect.void
  })),
  Layer.succeed(ChildProcessSpawner.ChildProcessSpawner, ChildProcessSpawner.make(() => Effect.die("unused")))
)

const limits: Array<number | undefined> = []
const dag = dagOf([
  fake("fixData", [], Effect.gen(function*() {
    limits.push((yield* StepContext).limit)
    return { inferred: 2 }
  })),
  fake("syncCourses", ["fixData"], Effect.succeed({ to_register: 1 })),
  fake("broken", [], Effect.fail("catalog answered 503"))
])

/** Runs the command line, returning what it printed and how it ended. */
const cli = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const printed: Array<string> = []
    const console = { ...globalThis.console, log: (...xs: ReadonlyArray<unknown>) => void printed.push(xs.join(" ")) } as Console.Console
    const root = Command.make("kroton-leads").pipe(Command.withSubcommands([makeRunCommand(dag), runsCommand]))
    const exit = yield* Command.runWith(root, { version: "test", renderErrors: false })(args).pipe(
      Effect.provideService(Console.Console, console),
      Effect.provide(cliEnvironment),
      Effect.exit
    )
    return { printed: printed.join("\n"), exit }
  })

describe("run / runs commands", () => {
  it.effect("run prints the summary, records it, and succeeds; runs lists it", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const run = yield* cli(["run", "fixData+", "--limit", "5"])
      assert.strictEqual(run.exit._tag, "Success")
      assert.match(run.printed, /^run run_\S+ \(fixData\+\) succeeded/m)
      assert.include(run.printed, "- syncCourses: succeeded in 0ms: to_register 1")
      assert.deepStrictEqual(limits, [5])
      const runs = yield* cli(["runs"])
      assert.include(runs.printed, "(fixData+) succeeded")
      assert.include(runs.printed, "limit 5")
      assert.include(runs.printed, "    fixData: succeeded in 0ms: inferred 2")
      const id = /run (run_\S+)/.exec(run.printed)![1]!
      const one = yield* cli(["runs", id])
      assert.include(one.printed, id)
    }).pipe(Effect.provide(storeLayer("postgres", slack.layer)))
  })

  it.effect("a failed step makes the command fail (exit code 1) with RunFailed; --resume retries it", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const run = yield* cli(["run", "allJobs"])
      assert.strictEqual(run.exit._tag, "Failure")
      assert.include(run.printed, "- broken: FAILED")
      assert.include(String(run.exit), "RunFailed")
      const id = /run (run_\S+)/.exec(run.printed)![1]!
      const again = yield* cli(["run", "--resume", id])
      assert.include(again.printed, `resuming ${id}`)
      assert.include(again.printed, `- fixData: succeeded: inferred 2 (copied from run ${id})`)
      const both = yield* cli(["run", "fixData", "--resume", id])
      assert.include(String(both.exit), "RunUsage")
    }).pipe(Effect.provide(storeLayer("postgres", slack.layer)))
  })

  it.effect("run --dry-run writes nothing and says so", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const before = yield* dumpTables
      const run = yield* cli(["run", "fixData", "--dry-run"])
      assert.strictEqual(run.exit._tag, "Success")
      assert.include(run.printed, "[dry run]")
      assert.include(run.printed, "nothing was written")
      assert.strictEqual(yield* dumpTables, before)
      assert.deepStrictEqual(slack.sent, [])
      const bad = yield* cli(["run", "nope"])
      assert.include(String(bad.exit), "UnknownSelection")
    }).pipe(Effect.provide(storeLayer("postgres", slack.layer)))
  })
})
