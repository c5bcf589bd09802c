// `import <file> [--json]` and `status`. Requirements only (LeadStore, Config): src/main.ts provides the layers.
// Exit code 0 whatever the rows hold (bad rows are stored as invalid_data and reported); 1 when the file
// cannot be read (ImportFileUnreadable).
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { formatReport, importLeads } from "../actions/importLeads.ts"
import { statuses } from "../domain/Status.ts"
import { LeadStore } from "../services/LeadStore.ts"

export const importCommand = Command.make(
  "import",
  {
    file: Argument.String("file").pipe(
      Argument.withDescription("the warehouse export: CSV with a header row, or JSON Lines (.jsonl) with the same keys")
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("print the report as JSON"), Flag.withDefault(false))
  },
  Effect.fn("cli.import")(function*({ file, json }) {
    const report = yield* importLeads(file)
    yield* Console.log(json ? JSON.stringify(report, null, 2) : formatReport(report))
  })
).pipe(Command.withDescription("Import the daily export of leads (new leads start as to_sync; bad rows are kept as invalid_data)"))

/** Every status with its count, zeros included, in lifecycle order. */
export const formatStatusCounts = (counts: Readonly<Record<string, number>>): string => {
  const width = Math.max(...statuses.map((s) => s.length))
  const total = statuses.reduce((sum, s) => sum + (counts[s] ?? 0), 0)
  return [...statuses.map((s) => `${s.padEnd(width)}  ${counts[s] ?? 0}`), `${"total".padEnd(width)}  ${total}`].join("\n")
}

export const statusCommand = Command.make(
  "status",
  {
    json: Flag.Boolean("json").pipe(Flag.withDescription("print the counts as JSON"), Flag.withDefault(false))
  },
  Effect.fn("cli.status")(function*({ json }) {
    const counts = yield* (yield* LeadStore).countByStatus()
    yield* Console.log(json ? JSON.stringify(counts) : formatStatusCounts(counts))
  })
).pipe(Command.withDescription("Count the leads in each status (all statuses listed, zeros included)"))
