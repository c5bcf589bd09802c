// What each answer means for a lead: pure functions from upstream answers to the next status
// (contract section 2; the spec's classification and async tables live in Status.ts).
import type { RegisterAnswer } from "../services/KrotonApi.ts"
import type { EnrollmentResponse, Inscription, Matricula, Offer } from "./KrotonWire.ts"
import { classificationStatus, inscriptionStatus, type Status } from "./Status.ts"

export interface Decision {
  readonly to: Status
  /** why, for the transition record (free of personal data) */
  readonly reason: string
  /** the count key of the step's report */
  readonly outcome: string
}

// --- syncCourses ----------------------------------------------------------------------------------------
export type SyncDecision =
  | (Decision & { readonly to: "to_register"; readonly offers: readonly [Offer, Offer] })
  | (Decision & { readonly to: "empty_course" | "course_failed" })

/** The first two hits, in the catalog's order, are the two options; fewer than two is a dead end. */
export const decideSync = (offers: ReadonlyArray<Offer>): SyncDecision => {
  const [first, second] = offers
  return first !== undefined && second !== undefined
    ? { to: "to_register", reason: "two offers found", outcome: "to_register", offers: [first, second] }
    : { to: "empty_course", reason: `${offers.length} offer(s) found, two required`, outcome: "empty_course" }
}

export const decideCatalogFailure = (reason: string): SyncDecision => ({
  to: "course_failed",
  reason: `catalog: ${reason}`,
  outcome: "course_failed"
})

// --- what Kroton knows by CPF ---------------------------------------------------------------------------
const precedence: ReadonlyArray<Status> = ["enrolled", "registered", "dropped"]

const hasActiveMatricula = (matriculas: ReadonlyArray<Matricula>) => matriculas.some((m) => m.status.toUpperCase() === "ATIVA")

/** The most advanced status among the inscriptions' classifications, and the classifications we do not know. */
const fromInscriptions = (inscricoes: ReadonlyArray<Inscription>) => {
  const known = inscricoes.flatMap((i) => {
    const s = classificationStatus[i.classificacao.descricao]
    return s === undefined ? [] : [s]
  })
  const unknown = inscricoes.filter((i) => classificationStatus[i.classificacao.descricao] === undefined)
    .map((i) => i.classificacao.descricao)
  const best = precedence.find((s) => known.includes(s))
  return { best, unknown }
}

/**
 * Before register: undefined when Kroton does not know the CPF (it may be posted); otherwise the lead is never
 * posted and follows the tables. An inscription whose classification we do not know still means "inscribed".
 */
export const decideKnownBeforeRegister = (
  inscricoes: ReadonlyArray<Inscription>,
  matriculas: ReadonlyArray<Matricula>
): Decision | undefined => {
  if (hasActiveMatricula(matriculas)) {
    return { to: "enrolled", reason: "already enrolled at Kroton (active matricula)", outcome: "already_enrolled" }
  }
  if (inscricoes.length === 0) return undefined
  const { best, unknown } = fromInscriptions(inscricoes)
  if (best !== undefined) {
    return { to: best, reason: `already inscribed at Kroton (${best})`, outcome: `already_${best}` }
  }
  return {
    to: "registered",
    reason: `already inscribed at Kroton, unknown classification "${unknown.join(", ")}"`,
    outcome: "already_registered_unknown_classification"
  }
}

/** Daily follow-up of a registered lead, by CPF. Keeps the status when the answer says nothing new. */
export const decideFollowUp = (
  current: Status,
  inscricoes: ReadonlyArray<Inscription>,
  matriculas: ReadonlyArray<Matricula>
): Decision => {
  if (hasActiveMatricula(matriculas)) return { to: "enrolled", reason: "active matricula", outcome: "enrolled" }
  if (inscricoes.length === 0) {
    return { to: current, reason: "Kroton returned no inscription for the CPF", outcome: "not_found" }
  }
  const { best, unknown } = fromInscriptions(inscricoes)
  if (best === undefined) {
    return { to: current, reason: `unknown classification "${unknown.join(", ")}"`, outcome: "unknown_classification" }
  }
  return { to: best, reason: `classification: ${best}`, outcome: best === current ? "unchanged" : best }
}

/** Follow-up of an asynchronous inscription by its code (spec: NEW/PROCESSING/ERROR/SUCCESS table). */
export const decideInscriptionState = (response: EnrollmentResponse): Decision => {
  const to = inscriptionStatus[response.status]
  return { to, reason: `inscription ${response.status}${response.message ? `: ${response.message}` : ""}`, outcome: to }
}

// --- register ---------------------------------------------------------------------------------------------
export const decideRegisterAnswer = (answer: RegisterAnswer): Decision => {
  switch (answer._tag) {
    case "Accepted": {
      // ERROR on a 2xx answer is a rejection of the registration, not a processing failure of an inscription
      if (answer.response.status === "ERROR" || !answer.response.success) {
        return {
          to: "register_failed",
          reason: `Kroton answered ${answer.httpStatus} ${answer.response.status}: ${
            [answer.response.message, ...(answer.response.errors ?? [])].filter(Boolean).join("; ")
          }`,
          outcome: "register_failed"
        }
      }
      const to = inscriptionStatus[answer.response.status]
      return { to, reason: `register ${answer.response.status}`, outcome: to }
    }
    case "Rejected":
      return {
        to: "register_failed",
        reason: `Kroton rejected (${answer.httpStatus}): ${[answer.message, ...answer.errors].filter(Boolean).join("; ")}`,
        outcome: "register_failed"
      }
    case "AlreadyInscribed":
      // 409: the CPF is inscribed already; the inscription itself is read by the reconciliation
      return { to: "registered", reason: "Kroton answered 409: CPF already inscribed", outcome: "already_registered" }
  }
}
