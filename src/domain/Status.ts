// The lead lifecycle (spec: state diagram; contract section 2) and Kroton's answers mapped onto it.
import { Schema } from "effect"

export const Status = Schema.Literals([
  "invalid_data",
  "to_sync",
  "course_failed",
  "empty_course",
  "to_register",
  "registered",
  "register_failed",
  "awaiting_register",
  "enrolled",
  "dropped",
  "failed"
])
export type Status = typeof Status.Type
export const statuses: ReadonlyArray<Status> = Status.literals

/** Statuses a lead never leaves. */
export const finalStatuses: ReadonlySet<Status> = new Set(["empty_course", "register_failed", "enrolled", "dropped", "failed"])

/** Statuses before anything about the lead was sent to Kroton: a re-import may still update its data. */
export const editableStatuses: ReadonlySet<Status> = new Set(["invalid_data", "to_sync", "course_failed", "empty_course", "to_register"])

/** Kroton's classification (inscricao.classificacao.descricao) -> our status (spec: follow_ups table). */
export const classificationStatus: Readonly<Record<string, Status>> = {
  "Aluno": "enrolled",
  "Convocado": "enrolled",
  "Classificado": "registered",
  "Inscrito": "registered",
  "Itinerante": "registered",
  "Inscrito VG Online": "registered",
  "Ausente": "dropped",
  "Desclassificado": "dropped"
}

/** Kroton's asynchronous inscription status -> our status (spec: async processing table). */
export const inscriptionStatus = {
  NEW: "awaiting_register",
  PROCESSING: "awaiting_register",
  ERROR: "failed",
  SUCCESS: "registered"
} as const satisfies Record<string, Status>

/** The edges of the lifecycle; a transition outside them is a bug, refused by the store. */
export const allowedTransitions: Readonly<Record<Status, ReadonlyArray<Status>>> = {
  invalid_data: ["to_sync"],
  to_sync: ["to_register", "empty_course", "course_failed", "registered", "awaiting_register", "enrolled", "dropped", "failed"],
  course_failed: ["to_register", "empty_course", "course_failed", "registered", "awaiting_register", "enrolled", "dropped", "failed"],
  empty_course: [],
  to_register: ["registered", "register_failed", "awaiting_register", "enrolled", "dropped", "failed"],
  awaiting_register: ["registered", "failed", "enrolled", "dropped"],
  registered: ["enrolled", "dropped", "failed"],
  register_failed: [],
  enrolled: [],
  dropped: [],
  failed: []
}

export const canTransition = (from: Status, to: Status): boolean => from === to || allowedTransitions[from].includes(to)
