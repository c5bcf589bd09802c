// Which nodes a run executes. Syntax (Dagster-like): "allJobs" | "<node>" | "<node>+" (and everything
// downstream) | "+<node>" (and everything upstream) | "+<node>+" (both); several joined by commas.
import { Result, Schema } from "effect"
import { allJobs, type Dag } from "./Node.ts"

export class UnknownSelection extends Schema.TaggedError<UnknownSelection>()("UnknownSelection", {
  selection: Schema.String,
  unknown: Schema.String,
  valid: Schema.Array(Schema.String)
}) {
  override get message() {
    return `unknown node "${this.unknown}" in selection "${this.selection}"; valid: ${allJobs}, ${this.valid.join(", ")} ` +
      `(optionally "+node", "node+", "+node+", comma separated)`
  }
}

const closure = (start: string, next: (name: string) => ReadonlyArray<string>): ReadonlySet<string> => {
  const seen = new Set<string>([start])
  const queue = [start]
  while (queue.length > 0) {
    for (const n of next(queue.pop()!)) {
      if (!seen.has(n)) {
        seen.add(n)
        queue.push(n)
      }
    }
  }
  return seen
}

/** The selected node names, in the DAG's topological order. */
export const select = (dag: Dag<any, any>, selection: string): Result.Result<ReadonlyArray<string>, UnknownSelection> => {
  const valid = dag.nodes.map((n) => n.name)
  const chosen = new Set<string>()
  const terms = selection.split(",").map((t) => t.trim())
  for (const term of terms) {
    if (term === allJobs) {
      valid.forEach((n) => chosen.add(n))
      continue
    }
    const up = term.startsWith("+")
    const down = term.endsWith("+") && term.length > 1
    const name = term.slice(up ? 1 : 0, down ? -1 : undefined)
    if (!dag.byName.has(name)) return Result.fail(new UnknownSelection({ selection, unknown: name, valid }))
    chosen.add(name)
    if (up) closure(name, (n) => dag.byName.get(n)?.upstream ?? []).forEach((n) => chosen.add(n))
    if (down) closure(name, (n) => dag.downstream.get(n) ?? []).forEach((n) => chosen.add(n))
  }
  return Result.succeed(valid.filter((n) => chosen.has(n)))
}
