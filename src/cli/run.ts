// `run <selection> [--dry-run] [--limit N] [--resume RUN]` and `runs [RUN] [--limit N]`.
// Exit codes: 0 when every step succeeded or was skipped (running elsewhere); 1 when a step failed or
// was not run because an upstream failed (the run completed, with failures: RunFailed), and also when
// the run could not complete (unknown selection or run, run records unwritable, interrupted).
import { Console, Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Dag } from "../dag/Node.ts"
import { RunStore } from "../dag/RunStore.ts"
import { runDag } from "../dag/Runner.ts"
import { recordText, summaryText } from "../dag/Summary.ts"

export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  runId: Schema.String,
  status: Schema.String,
  failedSteps: Schema.Array(Schema.String)
}) {
  override get message() {
    return `run ${this.runId} ${this.status}` +
      (this.failedSteps.length === 0 ? "" : `: ${this.failedSteps.join(", ")} did not succeed; \`run --resume ${this.runId}\` retries them`)
  }
}

export class RunUsage extends Schema.TaggedError<RunUsage>()("RunUsage", { problem: Schema.String }) {
  override get message() {
    return this.problem
  }
}

export const makeRunCommand = <E, R>(dag: Dag<E, R>) =>
  Command.make(
    "run",
    {
      selection: Argument.String("selection").pipe(
        Argument.withDescription(
          `allJobs (default), a node, node+ (with downstream), +node (with upstream), comma separated; nodes: ${dag.nodes.map((n) => n.name).join(", ")}`
        ),
        Argument.optional
      ),
      dryRun: Flag.Boolean("dry-run").pipe(
        Flag.withDescription("decide and count only: no writes, no posts, no run records, no Slack"),
        Flag.withDefault(false)
      ),
      limit: Flag.Int("limit").pipe(Flag.withDescription("at most N leads per step"), Flag.optional),
      resume: Flag.String("resume").pipe(
        Flag.withDescription("re-run the failed and unfinished steps of run RUN (a new run)"),
        Flag.optional
      )
    },
    Effect.fn("cli.run")(function*({ dryRun, limit, resume, selection }) {
      if (Option.isSome(limit) && limit.value <= 0) return yield* new RunUsage({ problem: "--limit must be a positive integer" })
      if (Option.isSome(resume) && Option.isSome(selection)) {
        return yield* new RunUsage({ problem: "give either a selection or --resume RUN, not both (a resume runs the old run's selection)" })
      }
      const summary = yield* runDag(dag, Option.getOrElse(selection, () => "allJobs"), {
        dryRun,
        limit: Option.getOrUndefined(limit),
        resumeFrom: Option.getOrUndefined(resume)
      })
      yield* Console.log(summaryText(summary))
      if (summary.status !== "succeeded") {
        return yield* new RunFailed({
          runId: summary.runId,
          status: summary.status,
          failedSteps: summary.steps.filter((s) => s.status !== "succeeded" && s.status !== "skipped").map((s) => s.node)
        })
      }
    })
  ).pipe(Command.withDescription("Run DAG nodes (fixData, syncCourses, checker, register, ...) and record the run"))

export const runsCommand = Command.make(
  "runs",
  {
    id: Argument.String("run").pipe(Argument.withDescription("show this run only"), Argument.optional),
    limit: Flag.Int("limit").pipe(Flag.withDescription("how many recent runs"), Flag.withDefault(10))
  },
  Effect.fn("cli.runs")(function*({ id, limit }) {
    const store = yield* RunStore
    if (Option.isSome(id)) {
      const run = yield* store.getRun(id.value)
      if (Option.isNone(run)) return yield* new RunUsage({ problem: `no run ${id.value}` })
      yield* Console.log(recordText(run.value))
      return
    }
    const runs = yield* store.listRuns(Math.max(1, limit))
    yield* Console.log(runs.length === 0 ? "no runs yet" : runs.map(recordText).join("\n\n"))
  })
).pipe(Command.withDescription("List recent runs with their steps, counts and errors"))
