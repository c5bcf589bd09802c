// What a lead wants to study, and the catalog query that finds offers for it (contract section 4).
import type { CourseSearchPayload } from "./KrotonWire.ts"

/** The course interest of a lead, as imported (contract section 1). */
export interface CourseInterest {
  readonly courseName: string
  readonly courseType: string
  readonly modality: string
  readonly unitId: number
  readonly monthlyPrice: number
  readonly captationPeriod: number
}

/** The contract section 4 payload: offers open on `today` (YYYY-MM-DD) for this interest, at most `size`. */
export const buildOfferSearch = (interest: CourseInterest, today: string, size: number): CourseSearchPayload => ({
  size,
  query: {
    bool: {
      must: [
        { match: { dsCurso: { query: interest.courseName, operator: "AND" } } },
        { match: { idUnidadeOrigem: interest.unitId } },
        { match: { dsTipoCurso: interest.courseType } },
        { match: { vlMensalidadeDe: interest.monthlyPrice } },
        { match: { ativa: true } },
        { match: { dsModalidade: interest.modality } },
        { term: { periodoCaptacao: interest.captationPeriod } },
        { range: { dtTerminoInscricao: { gte: today } } }
      ]
    }
  }
})

/** Identifies identical searches (same payload on the same day): callers ask the catalog once per key. */
export const searchKey = (interest: CourseInterest, today: string): string =>
  JSON.stringify([
    interest.courseName,
    interest.unitId,
    interest.courseType,
    interest.monthlyPrice,
    interest.modality,
    interest.captationPeriod,
    today
  ])

// --- the catalog's matching, for answers from fixture files (no network) ------------------------------------
const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()
const tokens = (s: string) => fold(s).split(/[^a-z0-9]+/).filter((t) => t.length > 0)

/** Does a catalog document match the search for `interest` on `today`? (dsCurso: every word; others: equal.) */
export const offerMatches = (offer: Readonly<Record<string, unknown>>, interest: CourseInterest, today: string): boolean => {
  const want = tokens(interest.courseName)
  const have = new Set(tokens(String(offer["dsCurso"] ?? "")))
  const sameText = (field: string, value: string) => typeof offer[field] === "string" && fold(offer[field]) === fold(value)
  return want.length > 0 && want.every((t) => have.has(t)) &&
    offer["idUnidadeOrigem"] === interest.unitId &&
    sameText("dsTipoCurso", interest.courseType) &&
    offer["vlMensalidadeDe"] === interest.monthlyPrice &&
    offer["ativa"] === true &&
    sameText("dsModalidade", interest.modality) &&
    offer["periodoCaptacao"] === interest.captationPeriod &&
    typeof offer["dtTerminoInscricao"] === "string" && offer["dtTerminoInscricao"] >= today
}

/** The catalog's default order: closes soonest first, then id. */
export const byClosingDate = (a: { dtTerminoInscricao: string; id: string }, b: { dtTerminoInscricao: string; id: string }) =>
  a.dtTerminoInscricao < b.dtTerminoInscricao ? -1 : a.dtTerminoInscricao > b.dtTerminoInscricao ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
