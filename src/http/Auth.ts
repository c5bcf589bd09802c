// Bearer-token authentication of the API. The token is a secret (Redacted, never printed); it is compared in
// constant time over equal-length digests, so neither its content nor its length leaks through timing.
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"

/** The server cannot start: no API_TOKEN and no explicit `--insecure-local`. */
export class ApiTokenMissing extends Schema.TaggedError<ApiTokenMissing>()("ApiTokenMissing", {}) {
  override get message() {
    return "API_TOKEN is not set: set it (the API requires `Authorization: Bearer <API_TOKEN>`), " +
      "or pass --insecure-local to serve without authentication on 127.0.0.1 only"
  }
}

export type AuthMode =
  | { readonly _tag: "Token"; readonly token: Redacted.Redacted<string> }
  /** No token: only with --insecure-local, which binds the server to 127.0.0.1. */
  | { readonly _tag: "Open" }

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/** true when `header` is exactly `Bearer <token>` (scheme case-insensitive). */
export const bearerMatches = (token: Redacted.Redacted<string>, header: string | undefined): boolean => {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  const given = match?.[1] ?? ""
  // always compare, also when the header is missing, so the answer takes the same time
  const equal = timingSafeEqual(digest(given), digest(Redacted.value(token)))
  return match !== null && equal
}

export class ApiAuth extends Context.Service<ApiAuth, {
  readonly mode: AuthMode
  /** Whether a request with this Authorization header may use the API. */
  readonly authorize: (authorization: string | undefined) => boolean
}>()("kroton-leads/http/ApiAuth") {
  static readonly make = (mode: AuthMode) =>
    ApiAuth.of({
      mode,
      authorize: (header) => mode._tag === "Open" || bearerMatches(mode.token, header)
    })

  static readonly layerMode = (mode: AuthMode) => Layer.succeed(ApiAuth, ApiAuth.make(mode))

  /** API_TOKEN from the environment; without it, Open only when `insecureLocal`, else ApiTokenMissing. */
  static readonly layer = (options: { readonly insecureLocal: boolean }) =>
    Layer.effect(ApiAuth, Effect.map(authModeFromConfig(options), ApiAuth.make))
}

/** API_TOKEN (secret, no default). An empty value counts as unset. */
export const authModeFromConfig = (options: { readonly insecureLocal: boolean }) =>
  Effect.gen(function*() {
    const token = yield* Config.option(Config.Redacted("API_TOKEN")).pipe(Effect.orDie)
    if (Option.isSome(token) && Redacted.value(token.value).trim().length > 0) {
      return { _tag: "Token", token: token.value } as AuthMode
    }
    if (options.insecureLocal) return { _tag: "Open" } as AuthMode
    return yield* new ApiTokenMissing()
  })
