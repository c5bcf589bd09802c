import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { type DagNode, makeDag, node } from "../../src/dag/Node.ts"
import { select } from "../../src/dag/Selection.ts"

const n = (name: string, upstream: ReadonlyArray<string> = [], extra: Partial<DagNode> = {}) =>
  node({ name, upstream, description: name, run: Effect.succeed({}), ...extra })

// fixData -> syncCourses -> checker -> register -> followUp ; report is independent
const dag = Result.getOrThrow(makeDag([
  n("followUp", ["register"], { lease: "checker" }),
  n("fixData"),
  n("syncCourses", ["fixData"]),
  n("checker", ["syncCourses"]),
  n("register", ["checker"]),
  n("report")
]))

const selected = (s: string) => Result.getOrThrow(select(dag, s))

describe("makeDag", () => {
  it("orders nodes upstream first, keeping declaration order among ready nodes", () => {
    assert.deepStrictEqual(dag.nodes.map((x) => x.name), ["fixData", "syncCourses", "checker", "register", "followUp", "report"])
    assert.deepStrictEqual(dag.downstream.get("syncCourses"), ["checker"])
  })

  it("rejects an unknown upstream, naming it and the valid nodes", () => {
    const result = makeDag([n("a"), n("b", ["nope"])])
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure.problem, "unknown_upstream")
      assert.include(result.failure.message, `"nope"`)
      assert.include(result.failure.message, "nodes: a, b")
    }
  })

  it("rejects a cycle and shows it", () => {
    const result = makeDag([n("a", ["c"]), n("b", ["a"]), n("c", ["b"]), n("d")])
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure.problem, "cycle")
      assert.strictEqual(result.failure.detail, "a -> b -> c -> a")
    }
  })

  it("rejects a self-loop, duplicates, the reserved name and an empty graph", () => {
    const problem = (nodes: ReadonlyArray<DagNode>) => {
      const r = makeDag(nodes)
      return Result.isFailure(r) ? r.failure.problem : "ok"
    }
    assert.strictEqual(problem([n("a", ["a"])]), "cycle")
    assert.strictEqual(problem([n("a"), n("a")]), "duplicate_node")
    assert.strictEqual(problem([n("allJobs")]), "reserved_name")
    assert.strictEqual(problem([n("a,b")]), "reserved_name")
    assert.strictEqual(problem([]), "empty")
  })
})

describe("select", () => {
  it("allJobs is every node", () => {
    assert.deepStrictEqual(selected("allJobs"), dag.nodes.map((x) => x.name))
  })

  it("a name is just that node", () => {
    assert.deepStrictEqual(selected("register"), ["register"])
  })

  it("node+ adds everything downstream", () => {
    assert.deepStrictEqual(selected("checker+"), ["checker", "register", "followUp"])
  })

  it("+node adds everything upstream", () => {
    assert.deepStrictEqual(selected("+checker"), ["fixData", "syncCourses", "checker"])
  })

  it("+node+ and comma lists combine, in DAG order, without duplicates", () => {
    assert.deepStrictEqual(selected("+syncCourses+"), ["fixData", "syncCourses", "checker", "register", "followUp"])
    assert.deepStrictEqual(selected("report, register,fixData"), ["fixData", "register", "report"])
    assert.deepStrictEqual(selected("register,register+"), ["register", "followUp"])
  })

  it("an unknown name fails with the valid names", () => {
    for (const bad of ["registr", "+nope", "nope+", "", "+", "register,zzz"]) {
      const r = select(dag, bad)
      assert.isTrue(Result.isFailure(r), bad)
      if (Result.isFailure(r)) {
        assert.strictEqual(r.failure._tag, "UnknownSelection")
        assert.include(r.failure.message, "allJobs, fixData, syncCourses, checker, register, followUp, report")
      }
    }
  })
})
