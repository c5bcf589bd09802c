// fixData: a missing gender inferred from the census when it is clear (>= 0.9), else left alone and counted.
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { calendarDate } from "../../src/domain/Lead.ts"
import { fixData } from "../../src/actions/fixData.ts"
import { importLeads } from "../../src/actions/importLeads.ts"
import { databaseKinds } from "../support/database.ts"
import {
  CensusCalls,
  cpfOf,
  idsByCpf,
  insertLead,
  leadRow,
  removeExports,
  runStep,
  TODAY,
  transitionsOf,
  withPipeline,
  writeExport
} from "../support/pipeline.ts"

const census = {
  table: { maria: 0.998, joao: 0.004, ariel: 0.55, andrea: 0.9, jose: 0.1 },
  down: ["kim"]
}

afterAll(removeExports)

describe.each(databaseKinds)("fixData (%s)", (kind) => {
  it.effect("imported leads: clear names get M/F from the census, ambiguous and unknown ones stay without gender", () =>
    Effect.gen(function*() {
      const file = writeExport([
        { cpf: cpfOf(1), name: "Maria Aparecida Souza" },
        { cpf: cpfOf(2), name: "João Pedro Lima" },
        { cpf: cpfOf(3), name: "Ariel Costa" },
        { cpf: cpfOf(4), name: "Xyzabc Nunes" },
        { cpf: cpfOf(5), name: "Andrea Alves" },
        { cpf: cpfOf(6), name: "José Carlos", gender: "F" } // imported gender: never touched, even against the census
      ])
      const report = yield* importLeads(file, { today: calendarDate(TODAY) })
      assert.strictEqual(report.inserted, 6)
      const ids = yield* idsByCpf

      const counts = yield* runStep(fixData)
      assert.deepStrictEqual(counts, { ambiguous: 1, inferred_F: 2, inferred_M: 1, unknown_name: 1 })

      const maria = yield* leadRow(ids.get(cpfOf(1))!)
      assert.strictEqual(maria.gender, "F")
      assert.strictEqual(maria.genderSource, "census")
      assert.closeTo(maria.genderProbability!, 0.998, 1e-6)
      assert.strictEqual(maria.status, "to_sync") // fixData never moves a lead
      const joao = yield* leadRow(ids.get(cpfOf(2))!)
      assert.strictEqual(joao.gender, "M")
      assert.strictEqual(joao.genderSource, "census")
      assert.closeTo(joao.genderProbability!, 0.996, 1e-6)
      // exactly 0.9 is clear enough
      assert.strictEqual((yield* leadRow(ids.get(cpfOf(5))!)).gender, "F")
      for (const ambiguous of [cpfOf(3), cpfOf(4)]) {
        const row = yield* leadRow(ids.get(ambiguous)!)
        assert.isNull(row.gender)
        assert.isNull(row.genderSource)
      }
      const imported = yield* leadRow(ids.get(cpfOf(6))!)
      assert.strictEqual(imported.gender, "F")
      assert.strictEqual(imported.genderSource, "import")
      // the lead with a gender was never asked about
      const calls = yield* CensusCalls
      assert.sameMembers([...calls.names()], ["maria", "joao", "ariel", "xyzabc", "andrea"])
      // only the import's transitions: fixData changes no status
      assert.deepStrictEqual((yield* transitionsOf(ids.get(cpfOf(1))!)).map((t) => t.reason), ["import"])
    }).pipe(withPipeline(kind, { census })))

  it.effect("census unavailable: counted, the lead left as it was and asked again by the next run", () =>
    Effect.gen(function*() {
      const kim = yield* insertLead({ cpf: cpfOf(10), name: "Kim Ferreira", gender: null })
      const maria = yield* insertLead({ cpf: cpfOf(11), name: "Maria Souza", gender: null, status: "course_failed" })
      const ready = yield* insertLead({ cpf: cpfOf(12), name: "João Dias", gender: null, status: "to_register" })
      const before = yield* leadRow(kim)

      assert.deepStrictEqual(yield* runStep(fixData), { census_unavailable: 1, inferred_F: 1, inferred_M: 1 })
      assert.deepStrictEqual(yield* leadRow(kim), before)
      assert.strictEqual((yield* leadRow(maria)).gender, "F")
      assert.strictEqual((yield* leadRow(ready)).gender, "M")

      // the next run asks again only about the lead still without gender
      assert.deepStrictEqual(yield* runStep(fixData), { census_unavailable: 1 })
      const calls = yield* CensusCalls
      assert.deepStrictEqual(calls.names().filter((n) => n === "kim").length, 2)
      assert.strictEqual(calls.names().length, 4)
    }).pipe(withPipeline(kind, { census })))

  it.effect("leads past register, or with an imported gender, are not in fixData's queue", () =>
    Effect.gen(function*() {
      yield* insertLead({ cpf: cpfOf(20), name: "Maria Souza", gender: null, status: "registered" })
      yield* insertLead({ cpf: cpfOf(21), name: "Maria Souza", gender: null, status: "empty_course" })
      const male = yield* insertLead({ cpf: cpfOf(22), name: "Maria Souza", gender: "M" })
      assert.deepStrictEqual(yield* runStep(fixData), {})
      assert.deepStrictEqual((yield* CensusCalls).names(), [])
      const row = yield* leadRow(male)
      assert.strictEqual(row.gender, "M")
      assert.strictEqual(row.genderSource, "import")
    }).pipe(withPipeline(kind, { census })))
})
