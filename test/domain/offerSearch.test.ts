import { assert, describe, it } from "@effect/vitest"
import { buildOfferSearch, type CourseInterest, offerMatches, searchKey } from "../../src/domain/OfferSearch.ts"

const interest: CourseInterest = {
  courseName: "ENGENHARIA CIVIL",
  courseType: "GRADUACAO",
  modality: "SEMIPRESENCIAL",
  unitId: 104,
  monthlyPrice: 689,
  captationPeriod: 20271
}

const offer = {
  id: "OF-1",
  dsCurso: "Engenharia Civil",
  idUnidadeOrigem: 104,
  dsTipoCurso: "GRADUACAO",
  dsModalidade: "SEMIPRESENCIAL",
  vlMensalidadeDe: 689,
  dtTerminoInscricao: "2027-03-31",
  ativa: true,
  periodoCaptacao: 20271,
  sistema: "OLIMPO"
}

describe("buildOfferSearch", () => {
  it("builds exactly the contract section 4 payload", () => {
    assert.deepStrictEqual(buildOfferSearch(interest, "2027-01-15", 10), {
      size: 10,
      query: {
        bool: {
          must: [
            { match: { dsCurso: { query: "ENGENHARIA CIVIL", operator: "AND" } } },
            { match: { idUnidadeOrigem: 104 } },
            { match: { dsTipoCurso: "GRADUACAO" } },
            { match: { vlMensalidadeDe: 689 } },
            { match: { ativa: true } },
            { match: { dsModalidade: "SEMIPRESENCIAL" } },
            { term: { periodoCaptacao: 20271 } },
            { range: { dtTerminoInscricao: { gte: "2027-01-15" } } }
          ]
        }
      }
    })
  })

  it("serialises to JSON with numbers as numbers and the AND operator", () => {
    const json = JSON.stringify(buildOfferSearch(interest, "2027-01-15", 2))
    assert.include(json, `"vlMensalidadeDe":689`)
    assert.include(json, `"operator":"AND"`)
    assert.include(json, `"size":2`)
  })
})

describe("searchKey", () => {
  it("is equal for identical searches on the same day", () => {
    assert.strictEqual(searchKey(interest, "2027-01-15"), searchKey({ ...interest }, "2027-01-15"))
  })

  it("differs when any field or the day differs", () => {
    const base = searchKey(interest, "2027-01-15")
    const variants: ReadonlyArray<CourseInterest> = [
      { ...interest, courseName: "ENGENHARIA" },
      { ...interest, unitId: 105 },
      { ...interest, courseType: "TECNOLOGO" },
      { ...interest, monthlyPrice: 689.5 },
      { ...interest, modality: "EAD" },
      { ...interest, captationPeriod: 20272 }
    ]
    for (const v of variants) assert.notStrictEqual(searchKey(v, "2027-01-15"), base)
    assert.notStrictEqual(searchKey(interest, "2027-01-16"), base)
  })

  it("cannot be confused by separators inside values", () => {
    assert.notStrictEqual(
      searchKey({ ...interest, courseName: "A", courseType: "B|C" }, "2027-01-15"),
      searchKey({ ...interest, courseName: "A|B", courseType: "C" }, "2027-01-15")
    )
  })
})

describe("offerMatches", () => {
  it("matches every word of the course, case and accents folded", () => {
    assert.isTrue(offerMatches(offer, interest, "2027-01-15"))
    assert.isTrue(offerMatches({ ...offer, dsCurso: "ENGENHARIA CÍVIL - BACHARELADO" }, interest, "2027-01-15"))
    assert.isFalse(offerMatches({ ...offer, dsCurso: "ENGENHARIA MECANICA" }, interest, "2027-01-15"))
  })

  it("rejects inactive, closed, other unit, price, type, modality or period", () => {
    assert.isTrue(offerMatches(offer, interest, "2027-03-31"))
    assert.isFalse(offerMatches(offer, interest, "2027-04-01"))
    for (const bad of [
      { ativa: false },
      { idUnidadeOrigem: 101 },
      { vlMensalidadeDe: 690 },
      { dsTipoCurso: "TECNOLOGO" },
      { dsModalidade: "EAD" },
      { periodoCaptacao: 20272 }
    ]) {
      assert.isFalse(offerMatches({ ...offer, ...bad }, interest, "2027-01-15"), JSON.stringify(bad))
    }
  })
})
