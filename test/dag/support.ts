// Fake nodes, a recording Notifier and the layers the runner tests use.
import { Effect, Layer, Result } from "effect"
import { SqlClient } from "effect/sql"
import { type DagNode, makeDag, node } from "../../src/dag/Node.ts"
import { RunStore } from "../../src/dag/RunStore.ts"
import { Notifier } from "../../src/services/Notifier.ts"
import { type DatabaseKind, freshDatabase } from "../support/database.ts"

export const fake = <E, R>(name: string, upstream: ReadonlyArray<string>, run: DagNode<E, R>["run"], extra: Partial<DagNode> = {}) =>
  node<E, R>({ name, upstream, description: `fake ${name}`, run, ...extra })

export const dagOf = <const Nodes extends ReadonlyArray<DagNode<any, any>>>(nodes: Nodes) => Result.getOrThrow(makeDag(nodes))

/** A Notifier that keeps every text it was given. */
export const recordingNotifier = () => {
  const sent: Array<string> = []
  const layer = Layer.succeed(Notifier, Notifier.of({ notify: (n) => Effect.sync(() => void sent.push(n.text)) }))
  return { sent, layer }
}

/** RunStore over a fresh database of `kind`, the SqlClient too (to look at the tables), and a Notifier. */
export const storeLayer = (kind: DatabaseKind, notifier: Layer.Layer<Notifier>) =>
  Layer.mergeAll(RunStore.layer, notifier).pipe(Layer.provideMerge(freshDatabase(kind)))

/** Every row of the runner's tables, for before/after comparisons. */
export const dumpTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const runs = yield* sql.unsafe("SELECT * FROM runs ORDER BY id")
  const steps = yield* sql.unsafe("SELECT * FROM run_steps ORDER BY run_id, node")
  const leases = yield* sql.unsafe("SELECT * FROM node_leases ORDER BY node")
  return JSON.stringify({ runs, steps, leases })
})
