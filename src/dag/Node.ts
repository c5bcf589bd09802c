// A node of the DAG (Dagster-style "op"): a named action with declared upstreams. The Dag checks the
// declarations once (unknown upstream, duplicate name, cycle) and keeps a deterministic topological order.
import { type Effect, Result, Schema } from "effect"
import type { Upstream } from "../services/RateBudget.ts"
import type { StepContext } from "./StepContext.ts"

/** How many leads (or items) ended in each outcome, e.g. { to_register: 12, empty_course: 3 }. */
export type Counts = Readonly<Record<string, number>>

export interface DagNode<E = never, R = never> {
  readonly name: string
  readonly upstream: ReadonlyArray<string>
  /** Nodes running the same action share one lease (default: the node's name). */
  readonly lease?: string
  /** The upstream whose rate budget bounds this node (used for the ETA). */
  readonly budget?: Upstream
  readonly description: string
  readonly run: Effect.Effect<Counts, E, R | StepContext>
}

/** Builds a node; only there to infer E and R (R without the StepContext, which the runner provides). */
export const node = <E, R>(definition: DagNode<E, R>): DagNode<E, Exclude<R, StepContext>> =>
  definition as DagNode<E, Exclude<R, StepContext>>

export type NodeError<N> = N extends DagNode<infer E, infer _R> ? E : never
export type NodeServices<N> = N extends DagNode<infer _E, infer R> ? Exclude<R, StepContext> : never

export interface Dag<E = unknown, R = unknown> {
  /** Nodes in a topological order (upstreams first; ties keep the declaration order). */
  readonly nodes: ReadonlyArray<DagNode<E, R>>
  readonly byName: ReadonlyMap<string, DagNode<E, R>>
  readonly downstream: ReadonlyMap<string, ReadonlyArray<string>>
}

export class DagInvalid extends Schema.TaggedError<DagInvalid>()("DagInvalid", {
  problem: Schema.Literals(["duplicate_node", "unknown_upstream", "cycle", "reserved_name", "empty"]),
  detail: Schema.String
}) {
  override get message() {
    return `invalid DAG (${this.problem}): ${this.detail}`
  }
}

/** "allJobs" selects every node, so no node may be called that. */
export const allJobs = "allJobs"

export const makeDag = <const Nodes extends ReadonlyArray<DagNode<any, any>>>(
  nodes: Nodes
): Result.Result<Dag<NodeError<Nodes[number]>, NodeServices<Nodes[number]>>, DagInvalid> => {
  if (nodes.length === 0) return Result.fail(new DagInvalid({ problem: "empty", detail: "a DAG needs at least one node" }))
  const byName = new Map<string, DagNode<any, any>>()
  for (const n of nodes) {
    if (n.name === allJobs || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(n.name)) {
      return Result.fail(new DagInvalid({ problem: "reserved_name", detail: `"${n.name}" cannot name a node` }))
    }
    if (byName.has(n.name)) return Result.fail(new DagInvalid({ problem: "duplicate_node", detail: `"${n.name}" is declared twice` }))
    byName.set(n.name, n)
  }
  const downstream = new Map<string, Array<string>>(nodes.map((n) => [n.name, []]))
  for (const n of nodes) {
    for (const up of n.upstream) {
      const list = downstream.get(up)
      if (list === undefined) {
        return Result.fail(new DagInvalid({
          problem: "unknown_upstream",
          detail: `"${n.name}" names upstream "${up}", which is not a node (nodes: ${[...byName.keys()].join(", ")})`
        }))
      }
      list.push(n.name)
    }
  }
  const cycle = findCycle(nodes)
  if (cycle !== undefined) return Result.fail(new DagInvalid({ problem: "cycle", detail: cycle.join(" -> ") }))
  return Result.succeed({ nodes: topologicalOrder(nodes), byName, downstream })
}

/** For a graph assembled in code: an invalid one is a programming error, thrown at start-up. */
export const makeDagOrThrow = <const Nodes extends ReadonlyArray<DagNode<any, any>>>(nodes: Nodes) =>
  Result.getOrThrowWith(makeDag(nodes), (e) => e)

// Depth-first search; returns the first cycle found as a path that starts and ends on the same node.
const findCycle = (nodes: ReadonlyArray<DagNode<any, any>>): ReadonlyArray<string> | undefined => {
  const upstreamOf = new Map(nodes.map((n) => [n.name, n.upstream]))
  const state = new Map<string, "visiting" | "done">()
  const path: Array<string> = []
  const visit = (name: string): ReadonlyArray<string> | undefined => {
    if (state.get(name) === "done") return undefined
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name]
    state.set(name, "visiting")
    path.push(name)
    for (const up of upstreamOf.get(name) ?? []) {
      const found = visit(up)
      if (found !== undefined) return found
    }
    path.pop()
    state.set(name, "done")
    return undefined
  }
  for (const n of nodes) {
    const found = visit(n.name)
    // found runs downstream -> upstream; show it in the direction work flows
    if (found !== undefined) return [...found].reverse()
  }
  return undefined
}

// Kahn's algorithm, always taking the earliest declared ready node, so the order is stable.
const topologicalOrder = <N extends DagNode<any, any>>(nodes: ReadonlyArray<N>): ReadonlyArray<N> => {
  const done = new Set<string>()
  const order: Array<N> = []
  while (order.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n.name) && n.upstream.every((u) => done.has(u)))
    if (next === undefined) break // unreachable after findCycle
    done.add(next.name)
    order.push(next)
  }
  return order
}
