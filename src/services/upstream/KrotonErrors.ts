// The failures of Kroton's API client and the answers of the register POST (re-exported by KrotonApi.ts).
// Endpoints are named by their template (never with the CPF in it).
import { Schema } from "effect"
import type { EnrollmentResponse } from "../../domain/KrotonWire.ts"

/** No usable answer after the bounded retries (5xx, timeouts, resets, 429s, malformed bodies). */
export class KrotonUnavailable extends Schema.TaggedError<KrotonUnavailable>()("KrotonUnavailable", {
  endpoint: Schema.String,
  reason: Schema.String,
  attempts: Schema.Number
}) {
  override get message() {
    return `Kroton ${this.endpoint} unavailable after ${this.attempts} attempts: ${this.reason}`
  }
}

/** Kroton answered with something that is not the documented shape (after retries). */
export class KrotonBadAnswer extends Schema.TaggedError<KrotonBadAnswer>()("KrotonBadAnswer", {
  endpoint: Schema.String,
  status: Schema.Number,
  problem: Schema.String
}) {
  override get message() {
    return `Kroton ${this.endpoint} answered ${this.status} with an undocumented body: ${this.problem}`
  }
}

/** Our credentials were refused (invalid_client), or a renewed token was refused again. */
export class KrotonAuthFailed extends Schema.TaggedError<KrotonAuthFailed>()("KrotonAuthFailed", {
  endpoint: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Kroton refused our credentials on ${this.endpoint}: ${this.reason}`
  }
}

/** The register POST may have been received, but no answer was recorded: reconcile by CPF, never re-post. */
export class RegisterOutcomeUnknown extends Schema.TaggedError<RegisterOutcomeUnknown>()("RegisterOutcomeUnknown", {
  reason: Schema.String
}) {
  override get message() {
    return `register POST outcome unknown: ${this.reason}`
  }
}

export type KrotonFailure = KrotonUnavailable | KrotonBadAnswer | KrotonAuthFailed

/** What the register POST answered. */
export type RegisterAnswer =
  | { readonly _tag: "Accepted"; readonly httpStatus: number; readonly response: EnrollmentResponse }
  | {
    readonly _tag: "Rejected"
    readonly httpStatus: number
    readonly message: string
    readonly errors: ReadonlyArray<string>
    readonly body: unknown
  }
  | { readonly _tag: "AlreadyInscribed"; readonly httpStatus: 409; readonly body: unknown }

