// Asking Kroton what it knows about a lead, shared by checker and register.
import { Effect } from "effect"
import { decideKnownBeforeRegister, type Decision } from "../domain/Decisions.ts"
import type { Inscription, Matricula } from "../domain/KrotonWire.ts"
import type { LeadRecord } from "../domain/LeadRecord.ts"
import { KrotonApi } from "../services/KrotonApi.ts"
import type { FollowUpRecord, Transition } from "../services/LeadQueue.ts"

export interface KnownByCpf {
  readonly inscricoes: ReadonlyArray<Inscription>
  readonly matriculas: ReadonlyArray<Matricula>
}

/** Inscriptions and matriculas by CPF (two calls, together). */
export const askByCpf = (cpf: string) =>
  Effect.gen(function*() {
    const kroton = yield* KrotonApi
    return yield* Effect.all({ inscricoes: kroton.inscriptionsByCpf(cpf), matriculas: kroton.matriculasByCpf(cpf) }, {
      concurrency: 2
    })
  })

/** The inscription whose classification gave the decision (the first, else), for the follow-up's code. */
export const mainInscription = (inscricoes: ReadonlyArray<Inscription>): Inscription | undefined => inscricoes[0]

export const followUpOf = (lead: LeadRecord, known: KnownByCpf, extra: Record<string, unknown> = {}): FollowUpRecord => {
  const main = mainInscription(known.inscricoes)
  return {
    leadId: lead.id,
    inscriptionId: main?.id,
    sistema: main?.sistema,
    source: { inscricoes: known.inscricoes, matriculas: known.matriculas, ...extra }
  }
}

export const transitionOf = (lead: LeadRecord, decision: Decision, checked = true): Transition => ({
  leadId: lead.id,
  from: lead.status,
  to: decision.to,
  reason: decision.reason,
  checked
})

/** Before anything is posted: undefined when Kroton does not know the CPF. */
export const knownBeforeRegister = (known: KnownByCpf): Decision | undefined =>
  decideKnownBeforeRegister(known.inscricoes, known.matriculas)
