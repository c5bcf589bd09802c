import { assert, describe, it } from "@effect/vitest"
import {
  decideCatalogFailure,
  decideFollowUp,
  decideInscriptionState,
  decideKnownBeforeRegister,
  decideRegisterAnswer,
  decideSync
} from "../../src/domain/Decisions.ts"
import type { Inscription, Matricula, Offer } from "../../src/domain/KrotonWire.ts"
import { canTransition, statuses } from "../../src/domain/Status.ts"

const offer = (id: string): Offer => ({
  id,
  dsCurso: "DIREITO",
  dsTipoCurso: "GRADUACAO",
  dsModalidade: "PRESENCIAL",
  vlMensalidadeDe: 899,
  dtTerminoInscricao: "2027-01-31",
  ativa: true,
  periodoCaptacao: 20271,
  sistema: "OLIMPO"
})
const inscription = (descricao: string): Inscription => ({
  id: "INS-1",
  classificacao: { descricao },
  curso: "DIREITO",
  unidade: "102",
  status: "ATIVA",
  sistema: "OLIMPO"
})
const matricula = (status: string): Matricula => ({ id: "MAT-1", curso: "DIREITO", unidade: "102", status })

describe("syncCourses decisions", () => {
  it("two offers or more: the first two, in the catalog's order, and to_register", () => {
    const d = decideSync([offer("a"), offer("b"), offer("c")])
    assert.strictEqual(d.to, "to_register")
    assert.deepStrictEqual(d.to === "to_register" ? d.offers.map((o) => o.id) : [], ["a", "b"])
  })
  it("fewer than two offers: empty_course", () => {
    assert.strictEqual(decideSync([offer("a")]).to, "empty_course")
    assert.strictEqual(decideSync([]).to, "empty_course")
  })
  it("catalog unavailable: course_failed with the reason", () => {
    const d = decideCatalogFailure("503 after 4 attempts")
    assert.strictEqual(d.to, "course_failed")
    assert.include(d.reason, "503")
  })
})

describe("what Kroton knows before register", () => {
  it("nothing known: undefined (the lead may be posted)", () => {
    assert.isUndefined(decideKnownBeforeRegister([], []))
    assert.isUndefined(decideKnownBeforeRegister([], [matricula("CANCELADA")]))
  })
  it("an active matricula means enrolled", () => {
    assert.strictEqual(decideKnownBeforeRegister([], [matricula("ATIVA")])?.to, "enrolled")
  })
  const table: ReadonlyArray<readonly [string, string]> = [
    ["Aluno", "enrolled"],
    ["Convocado", "enrolled"],
    ["Classificado", "registered"],
    ["Inscrito", "registered"],
    ["Itinerante", "registered"],
    ["Inscrito VG Online", "registered"],
    ["Ausente", "dropped"],
    ["Desclassificado", "dropped"]
  ]
  for (const [descricao, status] of table) {
    it(`classification ${descricao} -> ${status}`, () => {
      assert.strictEqual(decideKnownBeforeRegister([inscription(descricao)], [])?.to, status)
      assert.strictEqual(decideFollowUp("registered", [inscription(descricao)], []).to, status)
    })
  }
  it("the most advanced inscription wins", () => {
    assert.strictEqual(decideKnownBeforeRegister([inscription("Ausente"), inscription("Convocado")], [])?.to, "enrolled")
  })
  it("an unknown classification is still an inscription: never posted, registered, with the reason", () => {
    const d = decideKnownBeforeRegister([inscription("Em análise")], [])
    assert.strictEqual(d?.to, "registered")
    assert.include(d?.reason ?? "", "Em análise")
  })
})

describe("follow-up", () => {
  it("an unknown classification keeps the status (no guess)", () => {
    const d = decideFollowUp("registered", [inscription("Em análise")], [])
    assert.strictEqual(d.to, "registered")
    assert.strictEqual(d.outcome, "unknown_classification")
  })
  it("no inscription found keeps the status", () => {
    assert.strictEqual(decideFollowUp("registered", [], []).outcome, "not_found")
  })
  it("async inscription states follow the spec's table", () => {
    const base = { success: true, inscricaoId: "1" } as const
    assert.strictEqual(decideInscriptionState({ ...base, status: "NEW" }).to, "awaiting_register")
    assert.strictEqual(decideInscriptionState({ ...base, status: "PROCESSING" }).to, "awaiting_register")
    assert.strictEqual(decideInscriptionState({ ...base, status: "ERROR" }).to, "failed")
    assert.strictEqual(decideInscriptionState({ ...base, status: "SUCCESS" }).to, "registered")
  })
})

describe("register answers", () => {
  it("SUCCESS -> registered, NEW/PROCESSING -> awaiting_register", () => {
    const accepted = (status: "NEW" | "PROCESSING" | "SUCCESS") =>
      decideRegisterAnswer({ _tag: "Accepted", httpStatus: 201, response: { success: true, inscricaoId: "9", status } }).to
    assert.strictEqual(accepted("SUCCESS"), "registered")
    assert.strictEqual(accepted("NEW"), "awaiting_register")
    assert.strictEqual(accepted("PROCESSING"), "awaiting_register")
  })
  it("ERROR on a 2xx and 4xx rejections -> register_failed with Kroton's messages", () => {
    const error = decideRegisterAnswer({
      _tag: "Accepted",
      httpStatus: 200,
      response: { success: false, status: "ERROR", message: "oferta encerrada", errors: ["primeiraOpcao"] }
    })
    assert.strictEqual(error.to, "register_failed")
    assert.include(error.reason, "oferta encerrada")
    const rejected = decideRegisterAnswer({
      _tag: "Rejected",
      httpStatus: 422,
      message: "dados inválidos",
      errors: ["cep inválido"],
      body: {}
    })
    assert.strictEqual(rejected.to, "register_failed")
    assert.include(rejected.reason, "cep inválido")
  })
  it("409: the CPF is inscribed already -> registered", () => {
    assert.strictEqual(decideRegisterAnswer({ _tag: "AlreadyInscribed", httpStatus: 409, body: {} }).to, "registered")
  })
})

describe("lifecycle", () => {
  it("final statuses have no way out, and no status goes back to to_sync except invalid_data", () => {
    for (const from of ["empty_course", "register_failed", "enrolled", "dropped", "failed"] as const) {
      for (const to of statuses) if (to !== from) assert.isFalse(canTransition(from, to), `${from} -> ${to}`)
    }
    for (const from of statuses) {
      if (from !== "invalid_data" && from !== "to_sync") assert.isFalse(canTransition(from, "to_sync"), `${from} -> to_sync`)
    }
  })
})
