import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { buildOfferSearch } from "../../src/domain/OfferSearch.ts"
import type { SandboxHandle } from "../../src/sandbox/Sandbox.ts"
import { catalogSearch, rawCatalog, start, TODAY } from "./support.ts"

interface Interest {
  courseName: string
  courseType: string
  modality: string
  unitId: number
  monthlyPrice: number
  sistema: string
  offers: number
}
const interestsFile = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../fixtures/course-interests.json", import.meta.url)), "utf8")
) as { captationPeriod: number; interests: Array<Interest> }

const queryFor = (i: Interest, options: { today?: string; and?: boolean; price?: boolean; size?: number } = {}) => ({
  size: options.size ?? 10,
  query: {
    bool: {
      must: [
        { match: { dsCurso: options.and === false ? { query: i.courseName } : { query: i.courseName, operator: "AND" } } },
        { match: { idUnidadeOrigem: i.unitId } },
        { match: { dsTipoCurso: i.courseType } },
        ...(options.price === false ? [] : [{ match: { vlMensalidadeDe: i.monthlyPrice } }]),
        { match: { ativa: true } },
        { match: { dsModalidade: i.modality } },
        { term: { periodoCaptacao: interestsFile.captationPeriod } },
        { range: { dtTerminoInscricao: { gte: options.today ?? TODAY } } }
      ]
    }
  }
})

interface Answer {
  hits: { total: { value: number }; hits: Array<{ _source: { id: string; dsCurso: string; dtTerminoInscricao: string } }> }
}

let sandbox: SandboxHandle
beforeAll(async () => {
  sandbox = await start()
})
afterAll(() => sandbox.close())

const ask = async (body: unknown): Promise<Answer> => {
  const res = await catalogSearch(sandbox, body)
  assert.strictEqual(res.status, 200)
  return (await res.json()) as Answer
}
const decoyIds = new Set(rawCatalog.filter((o) => o._decoy !== undefined).map((o) => o.id))
const byName = (name: string) => interestsFile.interests.find((i) => i.courseName === name)!

describe("catalog search", () => {
  it("finds exactly the open offers of every interest, no decoy, closing soonest first", async () => {
    for (const interest of interestsFile.interests) {
      const answer = await ask(queryFor(interest))
      assert.strictEqual(answer.hits.total.value, interest.offers, interest.courseName)
      const hits = answer.hits.hits.map((h) => h._source)
      assert.strictEqual(hits.length, interest.offers)
      for (const h of hits) assert.isFalse(decoyIds.has(h.id), `${interest.courseName}: decoy ${h.id}`)
      const dates = hits.map((h) => h.dtTerminoInscricao)
      assert.deepStrictEqual(dates, [...dates].sort())
    }
  })

  it("decoys sharing a name token are kept out only by AND, and ADMINISTRACAO PUBLICA only by the price", async () => {
    // an OR match lets a course sharing one token in: AND keeps it out
    const civil = byName("ENGENHARIA CIVIL")
    const or = await ask(queryFor(civil, { and: false }))
    assert.isTrue(or.hits.hits.some((h) => h._source.dsCurso === "ENGENHARIA ELETRICA"))
    const medicina = await ask(queryFor(byName("MEDICINA VETERINARIA"), { and: false }))
    assert.isTrue(medicina.hits.hits.some((h) => h._source.dsCurso === "MEDICINA"))
    // AND on "ADMINISTRACAO" does match "ADMINISTRACAO PUBLICA": only the price filter keeps it out
    const noPrice = await ask(queryFor(byName("ADMINISTRACAO"), { price: false }))
    assert.isTrue(noPrice.hits.hits.some((h) => h._source.dsCurso === "ADMINISTRACAO PUBLICA"))
    assert.strictEqual(noPrice.hits.total.value, byName("ADMINISTRACAO").offers + 1)
  })

  it("matches dsCurso case- and accent-insensitively, other fields by value", async () => {
    const ads = byName("ANALISE E DESENVOLVIMENTO DE SISTEMAS")
    const answer = await ask(queryFor({ ...ads, courseName: "Análise e Desenvolvimento de Sistemas" }))
    assert.strictEqual(answer.hits.total.value, ads.offers)
    const wrongModality = await ask(queryFor({ ...ads, modality: "PRESENCIAL" }))
    assert.strictEqual(wrongModality.hits.total.value, 0)
  })

  it("honours size, the range on dtTerminoInscricao and an explicit sort", async () => {
    const ads = byName("ANALISE E DESENVOLVIMENTO DE SISTEMAS")
    const all = await ask(queryFor(ads))
    const two = await ask(queryFor(ads, { size: 2 }))
    assert.strictEqual(two.hits.total.value, ads.offers)
    assert.deepStrictEqual(two.hits.hits.map((h) => h._source.id), all.hits.hits.slice(0, 2).map((h) => h._source.id))
    // the day after the first one closes, it is gone
    const firstClose = all.hits.hits[0]!._source.dtTerminoInscricao
    const later = new Date(`${firstClose}T00:00:00Z`)
    later.setUTCDate(later.getUTCDate() + 1)
    const after = await ask(queryFor(ads, { today: later.toISOString().slice(0, 10) }))
    assert.strictEqual(after.hits.total.value, ads.offers - 1)
    const desc = await ask({ ...queryFor(ads), sort: [{ dtTerminoInscricao: { order: "desc" } }] })
    assert.deepStrictEqual(desc.hits.hits.map((h) => h._source.id), all.hits.hits.map((h) => h._source.id).reverse())
  })

  it("rejects malformed queries with 400", async () => {
    const bad: Array<unknown> = [
      "{not json",
      {},
      { query: { bool: { must: [{ fuzzy: { dsCurso: "x" } }] } } },
      { query: { bool: { must: [{ match: { dsCurso: "x", dsTipoCurso: "y" } }] } } },
      { query: { bool: { must: [{ match: { dsCurso: { query: "x", operator: "XOR" } } }] } } },
      { query: { bool: { must: [{ range: { dtTerminoInscricao: { after: "2026-01-01" } } }] } } },
      { query: { bool: { must: [] } }, size: -1 },
      { query: { match_all: {} } }
    ]
    for (const body of bad) {
      const res = await catalogSearch(sandbox, body)
      assert.strictEqual(res.status, 400, JSON.stringify(body))
      const err = (await res.json()) as { error: { type: string } }
      assert.strictEqual(err.error.type, "parsing_exception")
    }
  })

  it("requires the Bearer token when catalogToken is set", async () => {
    const guarded = await start({ catalogToken: "stg-token" })
    try {
      const body = queryFor(byName("DIREITO"))
      assert.strictEqual((await catalogSearch(guarded, body)).status, 401)
      assert.strictEqual((await catalogSearch(guarded, body, { authorization: "Bearer other" })).status, 401)
      const ok = await catalogSearch(guarded, body, { authorization: "Bearer stg-token" })
      assert.strictEqual(ok.status, 200)
    } finally {
      await guarded.close()
    }
  })
})

describe("catalog and the project's query builder", () => {
  it("answers buildOfferSearch (src/domain/OfferSearch.ts) with each interest's offers", async () => {
    for (const i of interestsFile.interests) {
      const interest = { ...i, captationPeriod: interestsFile.captationPeriod }
      const answer = await ask(buildOfferSearch(interest, TODAY, 10))
      assert.strictEqual(answer.hits.total.value, i.offers, i.courseName)
    }
  })
})

describe("catalog fixture", () => {
  it("has ids shaped like Kroton's and sistema as the interest says", () => {
    for (const o of rawCatalog) assert.match(o.id, /^\d{7}-\d{3}-\d{5}-\d{3}-\d{6}-\d{5}-\d{3}$/)
    assert.strictEqual(new Set(rawCatalog.map((o) => o.id)).size, rawCatalog.length)
    for (const o of rawCatalog.filter((x) => !x._decoy)) {
      const interest = byName(o.dsCurso)
      assert.strictEqual(o.sistema, interest.sistema)
      assert.isTrue(o.ativa)
      assert.isTrue(o.dtTerminoInscricao > "2026-12-01", o.dtTerminoInscricao)
    }
  })
})
