// What Kroton knows: inscriptions and matriculas by CPF, the async processing of new inscriptions and how
// classifications evolve day by day. Every fate is decided by a hash of the CPF, so runs are reproducible.
import { Schema } from "effect"
import {
  type EnrollmentResponse,
  Inscription,
  type InscriptionState,
  Matricula,
  type Sistema
} from "../domain/KrotonWire.ts"
import { addDays, daysBetween, hash } from "./Determinism.ts"

/** fixtures/world.json: existing inscriptions and matriculas, keyed by CPF (11 digits). */
export const WorldEntry = Schema.Struct({
  inscricoes: Schema.optional(Schema.Array(Inscription)),
  matriculas: Schema.optional(Schema.Array(Matricula))
})
export type WorldEntry = typeof WorldEntry.Type

export const World = Schema.Struct({ byCpf: Schema.Record(Schema.String, WorldEntry) })
export type World = typeof World.Type

export const emptyWorld: World = { byCpf: {} }

/** How a register POST for this CPF is processed: most SUCCESS at once, some async. */
export interface RegisterOutcome {
  readonly initial: InscriptionState
  readonly settlesTo: "SUCCESS" | "ERROR"
}

export const registerOutcomeFor = (cpf: string): RegisterOutcome => {
  switch (hash(`register:${cpf}`) % 10) {
    case 0:
      return { initial: "NEW", settlesTo: "SUCCESS" }
    case 1:
      return { initial: "PROCESSING", settlesTo: "SUCCESS" }
    case 2:
      return { initial: "PROCESSING", settlesTo: "ERROR" }
    default:
      return { initial: "SUCCESS", settlesTo: "SUCCESS" }
  }
}

/** Where a successful inscription's classification goes from its first day on; undefined = stays "Inscrito". */
export interface Destiny {
  readonly classificacao: string | undefined
  readonly matricula: boolean
}

export const destinyFor = (cpf: string): Destiny => {
  switch (hash(`destiny:${cpf}`) % 10) {
    case 0:
    case 1:
      return { classificacao: "Aluno", matricula: true }
    case 2:
      return { classificacao: "Convocado", matricula: false }
    case 3:
      return { classificacao: "Ausente", matricula: false }
    case 4:
      return { classificacao: "Desclassificado", matricula: false }
    case 5:
      return { classificacao: "Classificado", matricula: false }
    default:
      return { classificacao: undefined, matricula: false }
  }
}

export interface InscriptionRecord {
  readonly inscricaoId: string
  readonly cpf: string
  readonly sistema: Sistema
  readonly curso: string
  readonly unidade: string
  readonly origin: "world" | "register"
  /** the async processing state (by-code route) */
  readonly state: InscriptionState
  /** the `status` string of the by-CPF route */
  readonly status: string
  readonly classificacao: string
  readonly settlesTo: "SUCCESS" | "ERROR"
  readonly polls: number
  readonly createdOn: string
  readonly offerIds: ReadonlyArray<string>
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export interface WorldState {
  readonly today: () => string
  readonly inscriptionsOf: (cpf: string) => ReadonlyArray<Inscription>
  readonly matriculasOf: (cpf: string) => ReadonlyArray<Matricula>
  readonly hasInscription: (cpf: string) => boolean
  readonly create: (input: {
    readonly cpf: string
    readonly sistema: Sistema
    readonly curso: string
    readonly unidade: string
    readonly offerIds: ReadonlyArray<string>
  }) => InscriptionRecord
  /** by-code lookup; counts a poll of a pending inscription */
  readonly poll: (inscricaoId: string, sistema: string) => EnrollmentResponse | undefined
  readonly seed: (cpf: string, entry: WorldEntry) => void
  readonly advanceDay: (days: number) => void
  readonly records: () => ReadonlyArray<InscriptionRecord>
}

export const responseOf = (record: InscriptionRecord): EnrollmentResponse =>
  record.state === "ERROR"
    ? {
      success: false,
      inscricaoId: record.inscricaoId,
      status: "ERROR",
      message: "Falha no processamento da inscrição",
      errors: ["Oferta sem vagas disponíveis para o processo seletivo"]
    }
    : { success: true, inscricaoId: record.inscricaoId, status: record.state }

export const makeWorldState = (options: {
  readonly world: World
  readonly today: string
  readonly pollsToSettle: number
}): WorldState => {
  let today = options.today
  let sequence = 0
  const records: Array<Mutable<InscriptionRecord>> = []
  const matriculas = new Map<string, Array<Matricula>>()

  const seed = (cpf: string, entry: WorldEntry) => {
    for (const i of entry.inscricoes ?? []) {
      records.push({
        inscricaoId: i.id,
        cpf,
        sistema: i.sistema,
        curso: i.curso,
        unidade: i.unidade,
        origin: "world",
        state: "SUCCESS",
        status: i.status,
        classificacao: i.classificacao.descricao,
        settlesTo: "SUCCESS",
        polls: 0,
        createdOn: today,
        offerIds: []
      })
    }
    if (entry.matriculas && entry.matriculas.length > 0) {
      matriculas.set(cpf, [...(matriculas.get(cpf) ?? []), ...entry.matriculas])
    }
  }
  for (const [cpf, entry] of Object.entries(options.world.byCpf)) seed(cpf, entry)

  const settle = (r: Mutable<InscriptionRecord>) => {
    r.state = r.settlesTo
    r.status = r.settlesTo
  }
  const pending = (r: InscriptionRecord) => r.state === "NEW" || r.state === "PROCESSING"

  const evolve = (r: Mutable<InscriptionRecord>) => {
    if (r.origin !== "register" || r.state !== "SUCCESS" || r.classificacao !== "Inscrito") return
    if (daysBetween(r.createdOn, today) < 1) return
    const destiny = destinyFor(r.cpf)
    if (destiny.classificacao === undefined) return
    r.classificacao = destiny.classificacao
    if (destiny.matricula) {
      matriculas.set(r.cpf, [
        ...(matriculas.get(r.cpf) ?? []),
        { id: `M${r.inscricaoId}`, curso: r.curso, unidade: r.unidade, status: "ATIVA" }
      ])
    }
  }

  return {
    today: () => today,
    inscriptionsOf: (cpf) =>
      records.filter((r) => r.cpf === cpf).map((r) => ({
        id: r.inscricaoId,
        classificacao: { descricao: r.classificacao },
        curso: r.curso,
        unidade: r.unidade,
        status: r.status,
        sistema: r.sistema
      })),
    matriculasOf: (cpf) => matriculas.get(cpf) ?? [],
    hasInscription: (cpf) => records.some((r) => r.cpf === cpf),
    create: (input) => {
      const outcome = registerOutcomeFor(input.cpf)
      const record: Mutable<InscriptionRecord> = {
        inscricaoId: String(7_000_001 + sequence++),
        cpf: input.cpf,
        sistema: input.sistema,
        curso: input.curso,
        unidade: input.unidade,
        origin: "register",
        state: outcome.initial,
        status: outcome.initial,
        classificacao: "Inscrito",
        settlesTo: outcome.settlesTo,
        polls: 0,
        createdOn: today,
        offerIds: input.offerIds
      }
      records.push(record)
      return { ...record }
    },
    poll: (inscricaoId, sistema) => {
      const r = records.find((x) => x.inscricaoId === inscricaoId && x.sistema === sistema)
      if (!r) return undefined
      if (pending(r)) {
        r.polls++
        if (r.polls >= options.pollsToSettle) settle(r)
      }
      return responseOf(r)
    },
    seed,
    advanceDay: (days) => {
      for (let d = 0; d < days; d++) {
        today = addDays(today, 1)
        for (const r of records) {
          if (pending(r)) settle(r)
          evolve(r)
        }
      }
    },
    records: () => records.map((r) => ({ ...r }))
  }
}
