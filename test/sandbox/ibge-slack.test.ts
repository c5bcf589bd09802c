import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { rareNames } from "../../src/sandbox/Ibge.ts"
import { acquireSandbox, type SandboxHandle } from "../../src/sandbox/Sandbox.ts"
import { parseRateLimit } from "../../src/cli/sandbox.ts"
import { start } from "./support.ts"

let sandbox: SandboxHandle
beforeAll(async () => {
  sandbox = await start()
})
afterAll(() => sandbox.close())

interface NameAnswer {
  nome: string
  sexo: string | null
  localidade: string
  res: Array<{ periodo: string; frequencia: number }>
}
const names = async (path: string): Promise<{ status: number; body: unknown }> => {
  const res = await fetch(`${sandbox.ibgeNamesUrl}/${path}`)
  return { status: res.status, body: await res.json() }
}

describe("IBGE names API", () => {
  it("answers like the real API for a rare name, per sex", async () => {
    const m = await names("joelvan?sexo=M")
    assert.strictEqual(m.status, 200)
    const [entry] = m.body as Array<NameAnswer>
    assert.strictEqual(entry!.nome, "JOELVAN")
    assert.strictEqual(entry!.sexo, "M")
    assert.strictEqual(entry!.localidade, "BR")
    assert.deepStrictEqual(entry!.res[0], { periodo: "[1960,1970[", frequencia: 12 })
    // no women named JOELVAN: an empty array, like the real API
    assert.deepStrictEqual((await names("JOELVAN?sexo=F")).body, [])
    const f = (await names("Jandercléia?sexo=F")).body as Array<NameAnswer>
    assert.strictEqual(f[0]!.nome, "JANDERCLEIA")
  })

  it("answers [] for an unknown name and 400 for a bad sexo", async () => {
    assert.deepStrictEqual(await names("MARIA?sexo=F"), { status: 200, body: [] })
    assert.strictEqual((await names("JOELVAN?sexo=X")).status, 400)
  })

  it("serves an ambiguous name with both sexes", async () => {
    const sum = (path: string) => names(path).then((a) => (a.body as Array<NameAnswer>)[0]!.res.reduce((s, r) => s + r.frequencia, 0))
    const women = await sum("KAELYN?sexo=F")
    const men = await sum("KAELYN?sexo=M")
    assert.isTrue(women / (women + men) > 0.55 && women / (women + men) < 0.7)
  })

  it("serves only names absent from the project's census table (so a client must ask the API)", () => {
    const table = fileURLToPath(new URL("../../data/census-first-names.tsv.gz", import.meta.url))
    assert.isTrue(existsSync(table), "data/census-first-names.tsv.gz")
    // front-coded: "<length of the prefix shared with the previous name><rest>\t<share>" (scripts/build-census-table.ts)
    const known = new Set<string>()
    let previous = ""
    for (const line of gunzipSync(readFileSync(table)).toString("utf8").split("\n")) {
      const m = /^(\d+)([a-z]*)\t/.exec(line)
      if (!m) continue
      previous = previous.slice(0, Number(m[1])) + m[2]
      known.add(previous)
    }
    assert.isTrue(known.has("maria") && known.has("arielson"))
    assert.isAbove(known.size, 100_000)
    for (const name of Object.keys(rareNames)) assert.isFalse(known.has(name.toLowerCase()), name)
  })
})

describe("Slack webhook", () => {
  it("records {text, blocks?} and answers ok; rejects what Slack rejects", async () => {
    const post = (body: string) => fetch(sandbox.slackWebhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body })
    const ok = await post(JSON.stringify({ text: "run finished", blocks: [{ type: "section" }] }))
    assert.strictEqual(ok.status, 200)
    assert.strictEqual(await ok.text(), "ok")
    const noText = await post(JSON.stringify({}))
    assert.strictEqual(noText.status, 400)
    assert.strictEqual(await noText.text(), "no_text")
    assert.strictEqual((await post("not json")).status, 400)
    assert.deepStrictEqual(sandbox.slackMessages(), [{ text: "run finished", blocks: [{ type: "section" }] }])
  })
})

describe("Effect API and CLI helpers", () => {
  it.effect("acquireSandbox closes the server with its scope", () =>
    Effect.gen(function*() {
      const url = yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* acquireSandbox({ today: "2026-12-01" })
        const res = yield* Effect.promise(() => fetch(`${s.ibgeNamesUrl}/KAUEVAN?sexo=M`))
        assert.strictEqual(res.status, 200)
        return s.ibgeNamesUrl
      }))
      const after = yield* Effect.promise(() => fetch(`${url}/KAUEVAN`).then(() => "open", () => "closed"))
      assert.strictEqual(after, "closed")
    }))

  it("parses rate limits like 100/5m", () => {
    assert.deepStrictEqual(parseRateLimit("100/5m"), { limit: 100, windowMs: 300_000 })
    assert.deepStrictEqual(parseRateLimit("20/2s"), { limit: 20, windowMs: 2000 })
    assert.deepStrictEqual(parseRateLimit("5/1000ms"), { limit: 5, windowMs: 1000 })
    assert.throws(() => parseRateLimit("fast"))
  })
})
