import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import type { EnrollmentPayload } from "../../src/domain/KrotonWire.ts"
import { acquireSandbox, type CatalogOffer, type SandboxHandle, type SandboxOptions } from "../../src/sandbox/Sandbox.ts"
import { KrotonApi, KrotonFake, type KrotonSettings } from "../../src/services/KrotonApi.ts"
import { RateBudget } from "../../src/services/RateBudget.ts"
import { memoryStore } from "../../src/services/upstream/BudgetStore.ts"

// --- fixtures ---------------------------------------------------------------------------------------------------
/** A valid CPF (11 digits) from 9 base digits. */
const cpfFrom = (base: string) => {
  const d = base.split("").map(Number)
  const check = (len: number) => {
    const sum = d.slice(0, len).reduce((acc, n, i) => acc + n * (len + 1 - i), 0)
    const r = (sum * 10) % 11
    return r === 10 ? 0 : r
  }
  d.push(check(9))
  d.push(check(10))
  return d.join("")
}
const formatCpf = (cpf: string) => `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`

const today = "2026-12-01"
const offer = (id: string): CatalogOffer => ({
  id,
  dsCurso: "ADMINISTRACAO",
  dsTipoCurso: "GRADUACAO",
  dsModalidade: "EAD",
  vlMensalidadeDe: 249.9,
  dtTerminoInscricao: "2027-03-31",
  ativa: true,
  periodoCaptacao: 20271,
  sistema: "COLABORAR",
  idUnidadeOrigem: 101
})
const catalog = [offer("OF-1"), offer("OF-2")]

const payloadFor = (cpf: string): EnrollmentPayload => ({
  dadosPessoais: {
    celular: "11975405666",
    cpf: formatCpf(cpf),
    dataNascimento: "1990-05-17",
    email: "maria.silva@example.com",
    endereco: { cep: "01310-100", logradouro: "Avenida Paulista", municipio: "São Paulo", numero: "1000", uf: "SP" },
    necessidadesEspeciais: [],
    nome: "Maria Silva",
    rg: "123456789",
    sexo: "F"
  },
  inscricao: {
    canalVendas: { id: 85 },
    idAfiliado: "DL00QUERO12991",
    idTipoProva: 1,
    ofertas: { primeiraOpcao: { id: "OF-1" }, segundaOpcao: { id: "OF-2" } }
  }
})

// --- layers -----------------------------------------------------------------------------------------------------
const fast = (sandbox: SandboxHandle, overrides: Partial<KrotonSettings> = {}): KrotonSettings => ({
  baseUrl: sandbox.krotonUrl,
  clientId: sandbox.clientId,
  clientSecret: Redacted.make(sandbox.clientSecret),
  scope: sandbox.scope,
  timeout: Duration.millis(400),
  maxAttempts: 4,
  baseDelay: Duration.millis(5),
  maxDelay: Duration.millis(20),
  ...overrides
})

/** Runs `body` with a fresh sandbox, the live client pointed at it, and an in-memory budget it can inspect. */
const withKroton = <A, E>(
  body: (ctx: { sandbox: SandboxHandle; kroton: KrotonApi["Service"]; store: ReturnType<typeof memoryStore> }) => Effect.Effect<A, E>,
  options: { sandbox?: SandboxOptions; settings?: Partial<KrotonSettings> } = {}
) =>
  Effect.gen(function*() {
    // the sandbox's own limit is lifted here: the budget and the 429 path are tested on their own
    const sandbox = yield* acquireSandbox({ today, catalog, rateLimit: { limit: 100_000, windowMs: 60_000 }, ...options.sandbox })
    const store = memoryStore()
    const budget = RateBudget.layerMemory(
      { limits: { kroton: { limit: 10_000, window: Duration.minutes(1) }, catalog: "off", ibge: "off" } },
      store
    )
    const layer = KrotonApi.layerWith(fast(sandbox, options.settings)).pipe(
      Layer.provide(Layer.merge(FetchHttpClient.layer, budget))
    )
    const kroton = Context.get(yield* Layer.build(layer), KrotonApi)
    return yield* body({ sandbox, kroton, store })
  })

const requests = (sandbox: SandboxHandle, route: string) => sandbox.log().filter((e) => e.route === route)

const seededCpf = "67313874529" // fixtures/world.json: known to Kroton, with one inscription
const unknownCpf = cpfFrom("123456780")

// --- tests --------------------------------------------------------------------------------------------------------
describe("KrotonApi live (sandbox over loopback HTTP)", () => {
  it.live("50 concurrent callers share one token request; the token is cached", () =>
    withKroton(({ kroton, sandbox, store }) =>
      Effect.gen(function*() {
        const cpfs = Array.from({ length: 50 }, (_, i) => cpfFrom(String(200000000 + i * 7919)))
        yield* Effect.forEach(cpfs, (cpf) => kroton.inscriptionsByCpf(cpf), { concurrency: "unbounded" })
        assert.strictEqual(requests(sandbox, "token").length, 1)
        yield* Effect.forEach(cpfs, (cpf) => kroton.matriculasByCpf(cpf), { concurrency: "unbounded" })
        assert.strictEqual(requests(sandbox, "token").length, 1)
        assert.strictEqual(requests(sandbox, "inscriptionsByCpf").length, 50)
        // every request, the token included, took a grant of the budget
        assert.strictEqual((yield* store.grants("kroton")).length, sandbox.log().length)
      })
    ))

  it.live("lookups: known CPF, 404 = empty list, by code Some / None", () =>
    withKroton(({ kroton }) =>
      Effect.gen(function*() {
        const known = yield* kroton.inscriptionsByCpf(formatCpf(seededCpf))
        assert.strictEqual(known.length, 1)
        assert.strictEqual(known[0]!.id, "6900001")
        assert.deepStrictEqual(yield* kroton.inscriptionsByCpf(unknownCpf), [])
        assert.deepStrictEqual(yield* kroton.matriculasByCpf(unknownCpf), [])
        assert.isTrue(Option.isNone(yield* kroton.inscriptionByCode("999999", "OLIMPO")))
      })
    ))

  it.live("an expired token: 401 -> one renewal -> the call is retried once and succeeds", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        yield* kroton.inscriptionsByCpf(unknownCpf)
        sandbox.expireTokens()
        assert.deepStrictEqual(yield* kroton.inscriptionsByCpf(unknownCpf), [])
        assert.deepStrictEqual(sandbox.log().map((e) => `${e.route} ${e.status}`), [
          "token 200",
          "inscriptionsByCpf 404",
          "inscriptionsByCpf 401",
          "token 200",
          "inscriptionsByCpf 404"
        ])
      })
    ))

  it.live("a renewed token refused again -> KrotonAuthFailed (no loop)", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        sandbox.setFaults("kroton", { every: { n: 1, kind: "expire-token" }, routes: ["inscriptionsByCpf"] })
        const error = yield* Effect.flip(kroton.inscriptionsByCpf(unknownCpf))
        assert.strictEqual(error._tag, "KrotonAuthFailed")
        assert.strictEqual(requests(sandbox, "inscriptionsByCpf").length, 2)
        assert.strictEqual(requests(sandbox, "token").length, 2)
      })
    ))

  it.live("renews the token before it expires (80% of expires_in), never meeting a 401", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        yield* kroton.inscriptionsByCpf(unknownCpf)
        yield* Effect.sleep("900 millis") // past 80% of a 1 s token, before its end
        yield* kroton.inscriptionsByCpf(unknownCpf)
        assert.strictEqual(requests(sandbox, "token").length, 2)
        assert.isFalse(sandbox.log().some((e) => e.status === 401))
      }), { sandbox: { tokenTtlSeconds: 1 } }))

  it.live("invalid_client -> KrotonAuthFailed after one token request, no retry", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(kroton.inscriptionsByCpf(unknownCpf))
        assert.strictEqual(error._tag, "KrotonAuthFailed")
        assert.include(error.message, "invalid_client")
        assert.notInclude(error.message, "wrong-secret")
        assert.strictEqual(sandbox.log().length, 1)
      }), { settings: { clientSecret: Redacted.make("wrong-secret") } }))

  for (const kind of ["500", "502", "503", "504", "reset", "hang", "malformed"] as const) {
    it.live(`fault ${kind}: retried with backoff, then the answer`, () =>
      withKroton(({ kroton, sandbox }) =>
        Effect.gen(function*() {
          yield* kroton.token
          sandbox.setFaults("kroton", { next: [kind, kind] })
          const found = yield* kroton.inscriptionsByCpf(seededCpf)
          assert.strictEqual(found.length, 1)
          assert.deepStrictEqual(requests(sandbox, "inscriptionsByCpf").map((e) => e.fault ?? "ok"), [kind, kind, "ok"])
        })
      ))
  }

  for (const kind of ["503", "reset", "hang"] as const) {
    it.live(`fault ${kind} on every attempt: KrotonUnavailable after KROTON_MAX_ATTEMPTS, naming the endpoint, not the CPF`, () =>
      withKroton(({ kroton, sandbox }) =>
        Effect.gen(function*() {
          yield* kroton.token
          sandbox.setFaults("kroton", { every: { n: 1, kind } })
          const error = yield* Effect.flip(kroton.inscriptionsByCpf(seededCpf))
          assert.strictEqual(error._tag, "KrotonUnavailable")
          if (error._tag === "KrotonUnavailable") assert.strictEqual(error.attempts, 4)
          assert.include(error.message, "GET /ms/inscricao/v4/captacao/inscricao/cpf/{cpf}")
          assert.notInclude(error.message, seededCpf)
          if (kind === "hang") assert.include(error.message, "no answer within")
          assert.strictEqual(requests(sandbox, "inscriptionsByCpf").length, 4)
        })
      ))
  }

  for (const variant of ["truncated", "html", "wrong-shape"] as const) {
    it.live(`malformed bodies (${variant}) on every attempt: KrotonBadAnswer naming the endpoint`, () =>
      withKroton(({ kroton, sandbox }) =>
        Effect.gen(function*() {
          yield* kroton.token
          sandbox.setFaults("kroton", { every: { n: 1, kind: "malformed" }, malformed: variant })
          const error = yield* Effect.flip(kroton.matriculasByCpf(seededCpf))
          assert.strictEqual(error._tag, "KrotonBadAnswer")
          assert.include(error.message, "GET /ms/matricula/captacao/v1/ms/matricula/candidato/cpf/{cpf}")
          assert.notInclude(error.message, seededCpf)
          assert.strictEqual(requests(sandbox, "matriculasByCpf").length, 4)
        })
      ))
  }

  it.live("429: waits Retry-After, tells the budget (every process pauses), then retries", () =>
    withKroton(({ kroton, sandbox, store }) =>
      Effect.gen(function*() {
        yield* kroton.token
        sandbox.setFaults("kroton", { next: ["429"], retryAfterSeconds: 1 })
        const found = yield* kroton.inscriptionsByCpf(seededCpf)
        assert.strictEqual(found.length, 1)
        const [throttled, retried] = requests(sandbox, "inscriptionsByCpf")
        assert.strictEqual(throttled!.status, 429)
        assert.strictEqual(retried!.status, 200)
        assert.isAtLeast(retried!.at - throttled!.at, 1000)
        assert.deepStrictEqual(store.events.map((e) => [e.upstream, e.kind]), [["kroton", "429"]])
      })
    ))

  it.live("other 4xx are not retried", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(kroton.inscriptionsByCpf("123"))
        assert.strictEqual(error._tag, "KrotonUnavailable")
        assert.include(error.message, "HTTP 400")
        assert.strictEqual(requests(sandbox, "inscriptionsByCpf").length, 1)
      })
    ))
})

describe("KrotonApi.register (sandbox)", () => {
  it.live("201 -> Accepted; then the inscription is found by code", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        const cpf = cpfFrom("310000001")
        const answer = yield* kroton.register(payloadFor(cpf))
        assert.strictEqual(answer._tag, "Accepted")
        if (answer._tag !== "Accepted") return
        assert.strictEqual(answer.httpStatus, 201)
        const byCode = yield* kroton.inscriptionByCode(answer.response.inscricaoId!, "COLABORAR")
        assert.isTrue(Option.isSome(byCode))
        assert.strictEqual(sandbox.postsByCpf().get(cpf), 1)
      })
    ))

  it.live("409 -> AlreadyInscribed; 422 -> Rejected with Kroton's message and errors; neither retried", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        const again = yield* kroton.register(payloadFor(seededCpf))
        assert.strictEqual(again._tag, "AlreadyInscribed")
        const bad = payloadFor(cpfFrom("310000002"))
        const rejected = yield* kroton.register({
          ...bad,
          inscricao: { ...bad.inscricao, ofertas: { primeiraOpcao: { id: "NOPE" } } }
        })
        assert.strictEqual(rejected._tag, "Rejected")
        if (rejected._tag === "Rejected") {
          assert.strictEqual(rejected.httpStatus, 422)
          assert.strictEqual(rejected.message, "Dados inválidos")
          assert.include(rejected.errors.join(" "), "unknown offer")
        }
        assert.strictEqual(requests(sandbox, "register").length, 2)
      })
    ))

  for (const postThenFail of ["500", "reset"] as const) {
    it.live(`post-then-fail (${postThenFail}) -> RegisterOutcomeUnknown, and no second POST`, () =>
      withKroton(({ kroton, sandbox }) =>
        Effect.gen(function*() {
          const cpf = cpfFrom("310000003")
          sandbox.setFaults("kroton", { next: ["post-then-fail"], routes: ["register"], postThenFail })
          const error = yield* Effect.flip(kroton.register(payloadFor(cpf)))
          assert.strictEqual(error._tag, "RegisterOutcomeUnknown")
          assert.notInclude(error.message, cpf)
          assert.strictEqual(requests(sandbox, "register").length, 1)
          assert.strictEqual(sandbox.postsByCpf().get(cpf), 1)
          // Kroton did inscribe the student: the caller's reconciliation by CPF finds it
          assert.strictEqual((yield* kroton.inscriptionsByCpf(cpf)).length, 1)
        })
      ))
  }

  for (const kind of ["503", "reset", "hang", "malformed"] as const) {
    it.live(`${kind} after the POST was sent -> RegisterOutcomeUnknown, never re-posted`, () =>
      withKroton(({ kroton, sandbox }) =>
        Effect.gen(function*() {
          yield* kroton.token
          sandbox.setFaults("kroton", { every: { n: 1, kind }, routes: ["register"] })
          const error = yield* Effect.flip(kroton.register(payloadFor(cpfFrom("310000004"))))
          assert.strictEqual(error._tag, "RegisterOutcomeUnknown")
          assert.strictEqual(requests(sandbox, "register").length, 1)
        })
      ))
  }

  it.live("429 and 401 on the POST mean \"not processed\": retried safely, one inscription", () =>
    withKroton(({ kroton, sandbox }) =>
      Effect.gen(function*() {
        const cpf = cpfFrom("310000005")
        yield* kroton.token
        sandbox.expireTokens()
        sandbox.setFaults("kroton", { next: ["429"], routes: ["register"], retryAfterSeconds: 1 })
        const answer = yield* kroton.register(payloadFor(cpf))
        assert.strictEqual(answer._tag, "Accepted")
        assert.deepStrictEqual(requests(sandbox, "register").map((e) => e.status), [429, 401, 201])
        assert.strictEqual(sandbox.postsByCpf().get(cpf), 1)
      })
    ))
})

describe("KrotonApi settings", () => {
  it.effect("a missing required setting fails at start with one line naming it", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(KrotonApi.layer).pipe(
        Effect.provide(Layer.mergeAll(FetchHttpClient.layer, RateBudget.layerUnlimited)),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ KROTON_CLIENT_ID: "x", KROTON_CLIENT_SECRET: "y" }))),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(Layer.build(KrotonApi.layer).pipe(
        Effect.provide(Layer.mergeAll(FetchHttpClient.layer, RateBudget.layerUnlimited)),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ KROTON_API_URL: "http://x", KROTON_CLIENT_ID: "x" })))
      ))
      assert.strictEqual(error.message, "setting KROTON_CLIENT_SECRET: required, not set")
      const bad = yield* Effect.flip(Layer.build(KrotonApi.layer).pipe(
        Effect.provide(Layer.mergeAll(FetchHttpClient.layer, RateBudget.layerUnlimited)),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({
          KROTON_API_URL: "http://x",
          KROTON_CLIENT_ID: "x",
          KROTON_CLIENT_SECRET: "s3cret",
          KROTON_TIMEOUT: "fast"
        })))
      ))
      assert.include(bad.message, "KROTON_TIMEOUT")
      assert.notInclude(bad.message, "\n")
      assert.notInclude(bad.message, "s3cret")
    }))
})

describe("KrotonApi.layerTest / layerFixtures", () => {
  it.effect("the fake: world, default register (201 then 409), injected failures, recorded calls", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonApi
      const fake = yield* KrotonFake
      const cpf = cpfFrom("410000001")
      const first = yield* kroton.register(payloadFor(cpf))
      assert.strictEqual(first._tag, "Accepted")
      const second = yield* kroton.register(payloadFor(cpf))
      assert.strictEqual(second._tag, "AlreadyInscribed")
      assert.strictEqual((yield* kroton.inscriptionsByCpf(cpf)).length, 1)
      fake.seed(cpfFrom("410000002"), { matriculas: [{ id: "M1", curso: "X", unidade: "U", status: "ATIVA" }] })
      assert.strictEqual((yield* kroton.matriculasByCpf(cpfFrom("410000002"))).length, 1)
      const { RegisterOutcomeUnknown } = yield* Effect.promise(() => import("../../src/services/KrotonApi.ts"))
      fake.failNext("register", new RegisterOutcomeUnknown({ reason: "test" }))
      const error = yield* Effect.flip(kroton.register(payloadFor(cpfFrom("410000003"))))
      assert.strictEqual(error._tag, "RegisterOutcomeUnknown")
      assert.strictEqual(fake.postsByCpf().get(cpf), 2)
      assert.deepStrictEqual(fake.calls().map((c) => c.call), [
        "register",
        "register",
        "inscriptionsByCpf",
        "matriculasByCpf",
        "register"
      ])
    }).pipe(Effect.provide(KrotonApi.layerTest)))

  it.effect("layerFixtures answers from fixtures/world.json", () =>
    Effect.gen(function*() {
      const kroton = yield* KrotonApi
      const found = yield* kroton.inscriptionsByCpf(seededCpf)
      assert.strictEqual(found[0]?.id, "6900001")
      const again = yield* kroton.register(payloadFor(seededCpf))
      assert.strictEqual(again._tag, "AlreadyInscribed")
    }).pipe(Effect.provide(KrotonApi.layerFixtures)))
})
