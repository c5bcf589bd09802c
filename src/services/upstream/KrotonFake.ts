// An in-memory Kroton for tests (KrotonApi.layerTest) and for runs without network (layerFixtures, seeded
// from fixtures/world.json): a world of inscriptions and matriculas by CPF, register answers that can be
// programmed per test, injected failures, and a record of every call.
import { Context, Effect, Option, Redacted, Schema } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import {
  type EnrollmentPayload,
  type EnrollmentResponse,
  Inscription,
  Matricula,
  type Sistema
} from "../../domain/KrotonWire.ts"
import type { KrotonApiShape } from "../KrotonApi.ts"
import type { KrotonFailure, RegisterAnswer, RegisterOutcomeUnknown } from "./KrotonErrors.ts"

export type KrotonCall = "token" | "inscriptionsByCpf" | "matriculasByCpf" | "inscriptionByCode" | "register"

export interface RecordedCall {
  readonly call: KrotonCall
  /** 11 digits, for lookups by CPF and register */
  readonly cpf?: string
  readonly inscricaoId?: string
}

export interface WorldEntry {
  readonly inscricoes?: ReadonlyArray<Inscription> | undefined
  readonly matriculas?: ReadonlyArray<Matricula> | undefined
}

export interface KrotonFakeShape {
  readonly api: KrotonApiShape
  /** what Kroton knows about a CPF (replaces) */
  readonly seed: (cpf: string, entry: WorldEntry) => void
  /** the answer of the by-code route for an inscription */
  readonly setInscription: (inscricaoId: string, sistema: Sistema, response: EnrollmentResponse) => void
  /** replaces the default register behaviour (409 when known, else 201 SUCCESS); undefined restores it */
  readonly onRegister: (
    answer: ((payload: EnrollmentPayload) => Effect.Effect<RegisterAnswer, KrotonFailure | RegisterOutcomeUnknown>) | undefined
  ) => void
  /** the next call of that kind fails with `error` (queued, one per call) */
  readonly failNext: (call: KrotonCall, error: KrotonFailure | RegisterOutcomeUnknown) => void
  readonly calls: () => ReadonlyArray<RecordedCall>
  /** register calls per CPF (11 digits), failed ones included */
  readonly postsByCpf: () => ReadonlyMap<string, number>
}

/** The programmable side of KrotonApi.layerTest / layerFixtures. */
export class KrotonFake extends Context.Service<KrotonFake, KrotonFakeShape>()("kroton-leads/KrotonFake") {}

const digits = (cpf: string) => cpf.replace(/\D/g, "")

export const makeFake = (world: Readonly<Record<string, WorldEntry>> = {}): KrotonFakeShape => {
  const known = new Map<string, WorldEntry>(Object.entries(world))
  const byCode = new Map<string, EnrollmentResponse>()
  const failures = new Map<KrotonCall, Array<KrotonFailure | RegisterOutcomeUnknown>>()
  const calls: Array<RecordedCall> = []
  const posts = new Map<string, number>()
  let custom: ((payload: EnrollmentPayload) => Effect.Effect<RegisterAnswer, KrotonFailure | RegisterOutcomeUnknown>) | undefined
  let nextId = 8_000_000

  /** Records the call, then fails with a queued error if one is waiting. */
  const enter = <E extends KrotonFailure | RegisterOutcomeUnknown = KrotonFailure>(call: RecordedCall) =>
    Effect.suspend((): Effect.Effect<void, E> => {
      calls.push(call)
      const queued = failures.get(call.call)?.shift()
      return queued === undefined ? Effect.void : Effect.fail(queued as E)
    })

  const defaultRegister = (payload: EnrollmentPayload): RegisterAnswer => {
    const cpf = digits(payload.dadosPessoais.cpf)
    if ((known.get(cpf)?.inscricoes ?? []).length > 0) {
      return {
        _tag: "AlreadyInscribed",
        httpStatus: 409,
        body: { success: false, status: "ERROR", message: "CPF já possui inscrição", errors: [] }
      }
    }
    const inscricaoId = String(nextId++)
    const sistema: Sistema = "COLABORAR"
    const response: EnrollmentResponse = { success: true, inscricaoId, status: "SUCCESS" }
    known.set(cpf, {
      ...known.get(cpf),
      inscricoes: [{
        id: inscricaoId,
        classificacao: { descricao: "Inscrito" },
        curso: payload.inscricao.ofertas.primeiraOpcao.id,
        unidade: "",
        status: "SUCCESS",
        sistema
      }]
    })
    byCode.set(`${inscricaoId}/${sistema}`, response)
    return { _tag: "Accepted", httpStatus: 201, response }
  }

  const api: KrotonApiShape = {
    token: Effect.as(enter({ call: "token" }), Redacted.make("fake-token")),
    inscriptionsByCpf: (cpf) =>
      Effect.andThen(enter({ call: "inscriptionsByCpf", cpf: digits(cpf) }), Effect.sync(() => known.get(digits(cpf))?.inscricoes ?? [])),
    matriculasByCpf: (cpf) =>
      Effect.andThen(enter({ call: "matriculasByCpf", cpf: digits(cpf) }), Effect.sync(() => known.get(digits(cpf))?.matriculas ?? [])),
    inscriptionByCode: (inscricaoId, sistema) =>
      Effect.andThen(
        enter({ call: "inscriptionByCode", inscricaoId }),
        Effect.sync(() => Option.fromNullishOr(byCode.get(`${inscricaoId}/${sistema}`)))
      ),
    register: (payload) => {
      const cpf = digits(payload.dadosPessoais.cpf)
      return Effect.andThen(
        Effect.sync(() => posts.set(cpf, (posts.get(cpf) ?? 0) + 1)),
        Effect.andThen(enter<KrotonFailure | RegisterOutcomeUnknown>({ call: "register", cpf }), Effect.suspend(() => custom ? custom(payload) : Effect.sync(() => defaultRegister(payload))))
      )
    }
  }

  return {
    api,
    seed: (cpf, entry) => {
      known.set(digits(cpf), entry)
    },
    setInscription: (inscricaoId, sistema, response) => {
      byCode.set(`${inscricaoId}/${sistema}`, response)
    },
    onRegister: (answer) => {
      custom = answer
    },
    failNext: (call, error) => {
      const list = failures.get(call) ?? []
      list.push(error)
      failures.set(call, list)
    },
    calls: () => [...calls],
    postsByCpf: () => new Map(posts)
  }
}

// --- fixtures/world.json ----------------------------------------------------------------------------------------
const WorldFile = Schema.Struct({
  byCpf: Schema.Record(
    Schema.String,
    Schema.Struct({ inscricoes: Schema.optional(Schema.Array(Inscription)), matriculas: Schema.optional(Schema.Array(Matricula)) })
  )
})

export const defaultWorldPath = fileURLToPath(new URL("../../../fixtures/world.json", import.meta.url))

/** What Kroton already knows, from fixtures/world.json (written by scripts/generate-sandbox-fixtures.ts). */
export const worldFromFile = (path: string = defaultWorldPath): Readonly<Record<string, WorldEntry>> =>
  Schema.decodeUnknownSync(WorldFile)(JSON.parse(readFileSync(path, "utf8"))).byCpf
