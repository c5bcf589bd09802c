import { assert, describe, it } from "@effect/vitest"
import { afterEach } from "vitest"
import { cpfFromBase } from "../../src/sandbox/Cpf.ts"
import { destinyFor, registerOutcomeFor, type SandboxHandle } from "../../src/sandbox/Sandbox.ts"
import {
  cpfWithOutcome,
  getToken,
  krotonGet,
  offers,
  payloadFor,
  registerPost,
  start,
  tokenRequest
} from "./support.ts"

const byCpf = (cpf: string) => `/ms/inscricao/v4/captacao/inscricao/cpf/${cpf}`
const matriculas = (cpf: string) => `/ms/matricula/captacao/v1/ms/matricula/candidato/cpf/${cpf}`
const byCode = (id: string, sistema: string) => `/ms/inscricao/v4/captacao/inscricao/${id}/sistema/${sistema}`

const registered = (s: SandboxHandle) => s.inscriptions().filter((r) => r.origin === "register").length

let sandbox: SandboxHandle | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

describe("Kroton: OAuth2", () => {
  it("issues a Bearer token for the right client credentials", async () => {
    sandbox = await start({ tokenTtlSeconds: 120 })
    const res = await tokenRequest(sandbox)
    assert.strictEqual(res.status, 200)
    const body = (await res.json()) as Record<string, unknown>
    assert.strictEqual(body.token_type, "Bearer")
    assert.strictEqual(body.expires_in, 120)
    assert.isString(body.access_token)
  })

  it("answers 401 invalid_client for a wrong secret", async () => {
    sandbox = await start()
    const res = await tokenRequest(sandbox, "wrong")
    assert.strictEqual(res.status, 401)
    assert.deepStrictEqual(await res.json(), { error: "invalid_client", error_description: "Client authentication failed" })
  })

  it("refuses a missing, unknown, expired or force-expired token with 401 invalid_token", async () => {
    let now = 1_000_000
    sandbox = await start({ now: () => now, tokenTtlSeconds: 60 })
    const cpf = cpfFromBase("123456789")
    const noToken = await fetch(`${sandbox.krotonUrl}${byCpf(cpf)}`)
    assert.strictEqual(noToken.status, 401)
    assert.deepStrictEqual(await noToken.json(), { error: "invalid_token", error_description: "The access token is invalid or has expired" })
    assert.strictEqual((await krotonGet(sandbox, "made-up", byCpf(cpf))).status, 401)

    const token = await getToken(sandbox)
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(cpf))).status, 404)
    now += 59_999
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(cpf))).status, 404)
    now += 1
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(cpf))).status, 401)

    const early = await getToken(sandbox)
    sandbox.expireTokens()
    assert.strictEqual((await krotonGet(sandbox, early, byCpf(cpf))).status, 401)
    const fresh = await getToken(sandbox)
    assert.strictEqual((await krotonGet(sandbox, fresh, byCpf(cpf))).status, 404)
  })
})

describe("Kroton: lookups", () => {
  it("answers 404 for an unknown CPF and the seeded world for a known one", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const known = cpfFromBase("987654321")
    sandbox.seed(known, {
      inscricoes: [{ id: "55", classificacao: { descricao: "Aluno" }, curso: "DIREITO", unidade: "U", status: "SUCCESS", sistema: "OLIMPO" }],
      matriculas: [{ id: "M55", curso: "DIREITO", unidade: "U", status: "ATIVA" }]
    })
    const unknown = cpfFromBase("111222333")
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(unknown))).status, 404)
    assert.strictEqual((await krotonGet(sandbox, token, matriculas(unknown))).status, 404)
    const ins = await krotonGet(sandbox, token, byCpf(known))
    assert.strictEqual(ins.status, 200)
    assert.deepStrictEqual(await ins.json(), {
      inscricoes: [{ id: "55", classificacao: { descricao: "Aluno" }, curso: "DIREITO", unidade: "U", status: "SUCCESS", sistema: "OLIMPO" }]
    })
    const mat = await krotonGet(sandbox, token, matriculas(known))
    assert.deepStrictEqual(await mat.json(), { matriculas: [{ id: "M55", curso: "DIREITO", unidade: "U", status: "ATIVA" }] })
    // not 11 digits
    assert.strictEqual((await krotonGet(sandbox, token, byCpf("123.456.789-09"))).status, 400)
    // unknown inscription code, and a known one asked under the wrong sistema
    assert.strictEqual((await krotonGet(sandbox, token, byCode("55", "COLABORAR"))).status, 404)
    assert.strictEqual((await krotonGet(sandbox, token, byCode("999", "OLIMPO"))).status, 404)
    // the log names routes by template, never with the CPF
    assert.isTrue(sandbox.log().every((e) => !e.path.includes(unknown) && !e.path.includes(known)))
    assert.include(sandbox.log().map((e) => e.path), "GET /ms/inscricao/v4/captacao/inscricao/cpf/{cpf}")
  })

  it("loads fixtures/world.json by default", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const world = (await import("../../src/sandbox/Fixtures.ts")).loadWorld()
    const entries = Object.entries(world.byCpf)
    assert.isAtLeast(entries.length, 1)
    for (const [cpf, entry] of entries) {
      const res = await krotonGet(sandbox, token, byCpf(cpf))
      assert.strictEqual(res.status, (entry.inscricoes ?? []).length > 0 ? 200 : 404)
    }
    const active = entries.find(([, e]) => (e.matriculas ?? []).some((m) => m.status === "ATIVA"))
    assert.isDefined(active)
    assert.strictEqual((await krotonGet(sandbox, token, matriculas(active![0]))).status, 200)
  })
})

describe("Kroton: register", () => {
  it("creates an inscription (201 SUCCESS), lists it by CPF as Inscrito, then refuses the CPF with 409", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const cpf = cpfWithOutcome({ initial: "SUCCESS", settlesTo: "SUCCESS" })
    const res = await registerPost(sandbox, token, payloadFor(cpf, offers.open1, offers.open2))
    assert.strictEqual(res.status, 201)
    const body = (await res.json()) as { success: boolean; inscricaoId: string; status: string }
    assert.deepStrictEqual(body, { success: true, inscricaoId: body.inscricaoId, status: "SUCCESS" })

    const listed = (await (await krotonGet(sandbox, token, byCpf(cpf))).json()) as {
      inscricoes: Array<{ id: string; classificacao: { descricao: string }; sistema: string; curso: string }>
    }
    assert.strictEqual(listed.inscricoes.length, 1)
    assert.strictEqual(listed.inscricoes[0]!.id, body.inscricaoId)
    assert.strictEqual(listed.inscricoes[0]!.classificacao.descricao, "Inscrito")
    assert.strictEqual(listed.inscricoes[0]!.sistema, "COLABORAR")
    assert.strictEqual(listed.inscricoes[0]!.curso, "ADMINISTRACAO")
    const code = await krotonGet(sandbox, token, byCode(body.inscricaoId, "COLABORAR"))
    assert.deepStrictEqual(await code.json(), { success: true, inscricaoId: body.inscricaoId, status: "SUCCESS" })

    const again = await registerPost(sandbox, token, payloadFor(cpf, offers.open1, offers.open2))
    assert.strictEqual(again.status, 409)
    const conflict = (await again.json()) as { success: boolean; status: string; errors: Array<string> }
    assert.strictEqual(conflict.success, false)
    assert.strictEqual(conflict.status, "ERROR")
    assert.strictEqual(sandbox.postsByCpf().get(cpf), 2)
    assert.strictEqual(registered(sandbox), 1)
  })

  it("refuses a CPF the world already knows with 409", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const cpf = cpfFromBase("222333444")
    sandbox.seed(cpf, {
      inscricoes: [{ id: "1", classificacao: { descricao: "Inscrito" }, curso: "X", unidade: "U", status: "SUCCESS", sistema: "OLIMPO" }]
    })
    assert.strictEqual((await registerPost(sandbox, token, payloadFor(cpf, offers.open1))).status, 409)
  })

  it("answers 400 listing the fields when the payload has the wrong shape", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const payload = payloadFor(cpfFromBase("123123123"), offers.open1) as unknown as {
      dadosPessoais: Record<string, unknown>
      inscricao: Record<string, unknown>
    }
    delete payload.dadosPessoais.email
    payload.dadosPessoais.sexo = "X"
    const res = await registerPost(sandbox, token, payload)
    assert.strictEqual(res.status, 400)
    const body = (await res.json()) as { success: boolean; status: string; message: string; errors: Array<string> }
    assert.strictEqual(body.success, false)
    assert.strictEqual(body.status, "ERROR")
    assert.isTrue(body.errors.some((e) => e.startsWith("dadosPessoais.email")), body.errors.join("; "))
    assert.isTrue(body.errors.some((e) => e.startsWith("dadosPessoais.sexo")), body.errors.join("; "))
    const notJson = await fetch(`${sandbox.krotonUrl}/ms/inscricao/v4/captacao/inscricao`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{nope"
    })
    assert.strictEqual(notJson.status, 400)
    assert.strictEqual(registered(sandbox), 0)
  })

  it("answers 422 listing every broken value rule, and creates nothing", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const good = payloadFor(cpfFromBase("321321321"), offers.inactive, offers.closed)
    const bad = {
      ...good,
      dadosPessoais: {
        ...good.dadosPessoais,
        cpf: "123.456.789-00", // wrong check digits
        celular: "(11) 97540-5666",
        dataNascimento: "31/08/1989",
        endereco: { ...good.dadosPessoais.endereco, cep: "12243740", uf: "XX" }
      }
    }
    const res = await registerPost(sandbox, token, bad)
    assert.strictEqual(res.status, 422)
    const body = (await res.json()) as { errors: Array<string> }
    const has = (prefix: string) => assert.isTrue(body.errors.some((e) => e.startsWith(prefix)), `${prefix} in ${body.errors.join("; ")}`)
    has("dadosPessoais.cpf: invalid CPF")
    has("dadosPessoais.celular")
    has("dadosPessoais.dataNascimento")
    has("dadosPessoais.endereco.cep")
    has("dadosPessoais.endereco.uf")
    has("inscricao.ofertas.primeiraOpcao.id: offer inactive")
    has("inscricao.ofertas.segundaOpcao.id: registration closed")

    const unformatted = { ...good, dadosPessoais: { ...good.dadosPessoais, cpf: cpfFromBase("321321321") } }
    const r2 = await registerPost(sandbox, token, { ...unformatted, inscricao: { ...good.inscricao, ofertas: { primeiraOpcao: { id: "nope" } } } })
    assert.strictEqual(r2.status, 422)
    const b2 = (await r2.json()) as { errors: Array<string> }
    assert.include(b2.errors, "dadosPessoais.cpf: expected format 000.000.000-00")
    assert.include(b2.errors, "inscricao.ofertas.primeiraOpcao.id: unknown offer")
    assert.strictEqual(registered(sandbox), 0)
  })

  it("settles an async inscription after pollsToSettle polls of the by-code route", async () => {
    sandbox = await start({ pollsToSettle: 3 })
    const token = await getToken(sandbox)
    const cpf = cpfWithOutcome({ initial: "PROCESSING", settlesTo: "ERROR" })
    const res = await registerPost(sandbox, token, payloadFor(cpf, offers.open1, offers.open2))
    assert.strictEqual(res.status, 201)
    const { inscricaoId, status } = (await res.json()) as { inscricaoId: string; status: string }
    assert.strictEqual(status, "PROCESSING")
    const poll = async () => (await (await krotonGet(sandbox!, token, byCode(inscricaoId, "COLABORAR"))).json()) as Record<string, unknown>
    assert.strictEqual((await poll()).status, "PROCESSING")
    assert.strictEqual((await poll()).status, "PROCESSING")
    const settled = await poll()
    assert.strictEqual(settled.status, "ERROR")
    assert.strictEqual(settled.success, false)
    assert.isString(settled.message)
    assert.strictEqual((await poll()).status, "ERROR")
  })

  it("settles NEW to SUCCESS on a day advance, then evolves the classification by CPF", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    // a NEW->SUCCESS CPF that becomes Aluno, and a SUCCESS one that stays Inscrito
    let n = 0
    let pending = cpfWithOutcome({ initial: "NEW", settlesTo: "SUCCESS" }, n)
    while (destinyFor(pending).classificacao !== "Aluno") pending = cpfWithOutcome({ initial: "NEW", settlesTo: "SUCCESS" }, ++n)
    n = 0
    let staying = cpfWithOutcome({ initial: "SUCCESS", settlesTo: "SUCCESS" }, n)
    while (destinyFor(staying).classificacao !== undefined) staying = cpfWithOutcome({ initial: "SUCCESS", settlesTo: "SUCCESS" }, ++n)

    const created = (await (await registerPost(sandbox, token, payloadFor(pending, offers.open1, offers.open2))).json()) as {
      inscricaoId: string
      status: string
    }
    assert.strictEqual(created.status, "NEW")
    assert.strictEqual((await registerPost(sandbox, token, payloadFor(staying, offers.open1))).status, 201)

    sandbox.advanceDay()
    assert.strictEqual(sandbox.today(), "2026-12-02")
    const code = (await (await krotonGet(sandbox, token, byCode(created.inscricaoId, "COLABORAR"))).json()) as { status: string }
    assert.strictEqual(code.status, "SUCCESS")
    const listed = (await (await krotonGet(sandbox, token, byCpf(pending))).json()) as {
      inscricoes: Array<{ classificacao: { descricao: string } }>
    }
    assert.strictEqual(listed.inscricoes[0]!.classificacao.descricao, "Aluno")
    const mat = (await (await krotonGet(sandbox, token, matriculas(pending))).json()) as { matriculas: Array<{ status: string }> }
    assert.strictEqual(mat.matriculas[0]!.status, "ATIVA")
    const still = (await (await krotonGet(sandbox, token, byCpf(staying))).json()) as {
      inscricoes: Array<{ classificacao: { descricao: string } }>
    }
    assert.strictEqual(still.inscricoes[0]!.classificacao.descricao, "Inscrito")
    assert.strictEqual((await krotonGet(sandbox, token, matriculas(staying))).status, 404)
  })

  it("rejects an offer that closed while the calendar moved on", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    sandbox.advanceDay(400)
    const res = await registerPost(sandbox, token, payloadFor(cpfFromBase("456456456"), offers.open1))
    assert.strictEqual(res.status, 422)
  })

  it("spreads the fates of inscriptions over CPFs, most of them staying Inscrito or moving on", () => {
    const counts: Record<string, number> = {}
    for (let i = 0; i < 1000; i++) {
      const cpf = cpfFromBase(String(300_000_000 + i))
      const key = `${destinyFor(cpf).classificacao ?? "stays"}`
      counts[key] = (counts[key] ?? 0) + 1
    }
    // every fate happens, and "stays Inscrito" is common
    for (const k of ["Aluno", "Convocado", "Ausente", "Desclassificado", "Classificado", "stays"]) assert.isAbove(counts[k] ?? 0, 40, k)
  })

  it("answers most registrations SUCCESS at once, some NEW/PROCESSING settling either way", () => {
    const counts: Record<string, number> = {}
    for (let i = 0; i < 1000; i++) {
      const o = registerOutcomeFor(cpfFromBase(String(400_000_000 + i)))
      counts[`${o.initial}->${o.settlesTo}`] = (counts[`${o.initial}->${o.settlesTo}`] ?? 0) + 1
    }
    assert.isAbove(counts["SUCCESS->SUCCESS"] ?? 0, 600)
    for (const k of ["NEW->SUCCESS", "PROCESSING->SUCCESS", "PROCESSING->ERROR"]) assert.isAbove(counts[k] ?? 0, 50, k)
  })
})
