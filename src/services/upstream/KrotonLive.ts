// The live Kroton client: OAuth2 client credentials with a cached, single-flight token; every request
// (token included) first takes a grant of the "kroton" budget; bodies decoded with KrotonWire; bounded
// retries with backoff (Http.ts); the register POST is never repeated once it may have been received.
import { Clock, Data, Duration, Effect, Option, Redacted, type Result, Schema, Semaphore } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import {
  EnrollmentPayload,
  EnrollmentResponse,
  InscriptionsByCpf,
  MatriculasByCpf,
  OAuthError,
  type Sistema,
  TokenResponse
} from "../../domain/KrotonWire.ts"
import { maskText } from "../../domain/Mask.ts"
import type { KrotonApiShape } from "../KrotonApi.ts"
import { RateBudget } from "../RateBudget.ts"
import {
  type Answer,
  type AttemptFailure,
  defaultBackoff,
  exchange,
  warmUp,
  isProblem,
  parseBody,
  type RetryPolicy,
  retryAfterOf,
  Throttled,
  Transient,
  withRetries
} from "./Http.ts"
import {
  KrotonAuthFailed,
  KrotonBadAnswer,
  type KrotonFailure,
  KrotonUnavailable,
  type RegisterAnswer,
  RegisterOutcomeUnknown
} from "./KrotonErrors.ts"
import { durationOr, positiveIntOr, requiredSecret, requiredString, stringOr } from "./Settings.ts"

export interface KrotonSettings {
  readonly baseUrl: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly scope: string
  readonly timeout: Duration.Duration
  readonly maxAttempts: number
  /** first retry backoff (default 500 ms), doubled each retry with jitter, capped at maxDelay (default 30 s) */
  readonly baseDelay?: Duration.Duration
  readonly maxDelay?: Duration.Duration
  /** share of expires_in after which the token is renewed (default 0.8) */
  readonly renewAfter?: number
  /** wait after a 429 without a readable Retry-After (default 5 s) */
  readonly retryAfterFallback?: Duration.Duration
}

export const settingsFromConfig = Effect.gen(function*() {
  const settings: KrotonSettings = {
    baseUrl: yield* requiredString("KROTON_API_URL"),
    clientId: yield* requiredString("KROTON_CLIENT_ID"),
    clientSecret: yield* requiredSecret("KROTON_CLIENT_SECRET"),
    scope: yield* stringOr("KROTON_SCOPE", "inscricao"),
    timeout: yield* durationOr("KROTON_TIMEOUT", "15s"),
    maxAttempts: yield* positiveIntOr("KROTON_MAX_ATTEMPTS", 4)
  }
  return settings
})

export const endpoints = {
  token: "POST /oauth2/token",
  inscriptionsByCpf: "GET /ms/inscricao/v4/captacao/inscricao/cpf/{cpf}",
  matriculasByCpf: "GET /ms/matricula/captacao/v1/ms/matricula/candidato/cpf/{cpf}",
  inscriptionByCode: "GET /ms/inscricao/v4/captacao/inscricao/{inscricaoId}/sistema/{sistema}",
  register: "POST /ms/inscricao/v4/captacao/inscricao"
} as const

/** Kroton refused the token of this call (401): renew it and try the call once more. */
class TokenRejected extends Data.TaggedError("TokenRejected")<{ readonly generation: number }> {}

interface CachedToken {
  readonly token: Redacted.Redacted<string>
  readonly renewAt: number
  readonly generation: number
}

const decoder = <S extends Schema.Decoder<unknown>>(schema: S) => Schema.decodeUnknownResult(schema)
const decodeToken = decoder(TokenResponse)
const decodeOAuthError = decoder(OAuthError)
const decodeInscriptions = decoder(InscriptionsByCpf)
const decodeMatriculas = decoder(MatriculasByCpf)
const decodeEnrollment = decoder(EnrollmentResponse)
const RejectionBody = Schema.Struct({
  message: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(Schema.String))
})
const decodeRejection = decoder(RejectionBody)
const encodePayload = Schema.encodeSync(EnrollmentPayload)

const cpfDigits = (cpf: string) => cpf.replace(/\D/g, "")

const malformed = (answer: Answer, problem: string) =>
  new Transient({ kind: "malformed", status: answer.status, reason: maskText(problem), sent: true })

const serverError = (answer: Answer) =>
  new Transient({ kind: "status", status: answer.status, reason: `HTTP ${answer.status}`, sent: true })

/** After the retries: a malformed body is a bad answer; anything else is unavailability. */
const exhaustedAs = (endpoint: string) => (failure: AttemptFailure, attempts: number) =>
  failure._tag === "Transient" && failure.kind === "malformed"
    ? new KrotonBadAnswer({ endpoint, status: failure.status, problem: failure.reason })
    : new KrotonUnavailable({
      endpoint,
      reason: failure._tag === "Throttled" ? "HTTP 429 (rate limited)" : failure.reason,
      attempts
    })

export const make = (settings: KrotonSettings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const budget = yield* RateBudget
    yield* warmUp(client)
    const base = settings.baseUrl.replace(/\/+$/, "")
    const policy: RetryPolicy = {
      maxAttempts: settings.maxAttempts,
      timeout: settings.timeout,
      baseDelay: settings.baseDelay ?? defaultBackoff.baseDelay,
      maxDelay: settings.maxDelay ?? defaultBackoff.maxDelay
    }
    const renewAfter = settings.renewAfter ?? 0.8
    const retryAfterFallback = settings.retryAfterFallback ?? Duration.seconds(5)

    /** Every request, the token request included, takes a grant first. */
    const send = (endpoint: string, request: HttpClientRequest.HttpClientRequest) =>
      Effect.andThen(
        budget.acquire("kroton"),
        exchange(client, "kroton", endpoint, HttpClientRequest.acceptJson(request), settings.timeout)
      )

    /** 429: every process pauses for Retry-After, then this call tries again (an attempt spent). */
    const throttle = (answer: Answer) =>
      Effect.gen(function*() {
        const retryAfter = retryAfterOf(answer.headers, yield* Clock.currentTimeMillis, retryAfterFallback)
        yield* budget.throttled("kroton", retryAfter)
        return yield* Effect.fail(new Throttled({ retryAfter }))
      })

    // --- token ---------------------------------------------------------------------------------------------
    const fetchToken = withRetries(
      policy,
      () =>
        Effect.gen(function*() {
          const request = HttpClientRequest.post(`${base}/oauth2/token`).pipe(
            HttpClientRequest.bodyUrlParams({
              grant_type: "client_credentials",
              client_id: settings.clientId,
              client_secret: Redacted.value(settings.clientSecret),
              scope: settings.scope
            })
          )
          const answer = yield* send(endpoints.token, request)
          if (answer.status === 200) {
            const body = parseBody(answer.text, decodeToken)
            return isProblem(body) ? yield* Effect.fail(malformed(answer, body.problem)) : body
          }
          if (answer.status === 429) return yield* throttle(answer)
          if (answer.status >= 500) return yield* Effect.fail(serverError(answer))
          // 4xx: the credentials (invalid_client) or the request were refused; retrying cannot help
          const oauth = parseBody(answer.text, decodeOAuthError)
          return yield* Effect.fail(
            new KrotonAuthFailed({
              endpoint: endpoints.token,
              reason: maskText(`HTTP ${answer.status}${isProblem(oauth) ? "" : ` ${oauth.error}`}`)
            })
          )
        }),
      exhaustedAs(endpoints.token)
    ).pipe(Effect.withSpan(`Kroton ${endpoints.token}`, { attributes: { endpoint: endpoints.token } }))

    let cached: CachedToken | undefined
    let generation = 0
    const gate = yield* Semaphore.make(1)

    const fresh = (now: number) => cached !== undefined && now < cached.renewAt ? cached : undefined

    /** The cached token, or one new token for all the fibers that need it now (single flight). */
    const currentToken = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const hit = fresh(now)
      if (hit) return Effect.succeed(hit)
      return gate.withPermits(1)(Effect.gen(function*() {
        const start = yield* Clock.currentTimeMillis
        const again = fresh(start)
        if (again) return again
        const answer = yield* fetchToken
        const entry: CachedToken = {
          token: Redacted.make(answer.access_token),
          renewAt: start + Math.max(0, answer.expires_in) * 1000 * renewAfter,
          generation: ++generation
        }
        cached = entry
        return entry
      }))
    })

    const invalidate = (rejected: number) =>
      Effect.sync(() => {
        if (cached?.generation === rejected) cached = undefined
      })

    // --- authorized calls ------------------------------------------------------------------------------------
    /**
     * Runs `attempt` with the retry policy; a 401 (TokenRejected) renews the token and runs the whole call
     * once more; a second 401 is KrotonAuthFailed.
     */
    const authorized = <A, E>(
      endpoint: string,
      attempt: (token: CachedToken, n: number) => Effect.Effect<A, E | AttemptFailure | TokenRejected>
    ) => {
      const run: Effect.Effect<A, unknown> = withRetries(
        policy,
        (n) => Effect.flatMap(currentToken, (token) => attempt(token, n)),
        exhaustedAs(endpoint)
      )
      return run.pipe(
        Effect.catch((e) => e instanceof TokenRejected ? Effect.andThen(invalidate(e.generation), run) : Effect.fail(e)),
        Effect.catch((e) =>
          Effect.fail(
            e instanceof TokenRejected ? new KrotonAuthFailed({ endpoint, reason: "a renewed token was refused too (401)" }) : e
          )
        ),
        Effect.withSpan(`Kroton ${endpoint}`, { attributes: { endpoint } })
      ) as Effect.Effect<A, Exclude<E, AttemptFailure | TokenRejected> | KrotonFailure>
    }

    const authorize = (token: CachedToken, request: HttpClientRequest.HttpClientRequest) =>
      HttpClientRequest.bearerToken(request, token.token)

    /** A GET whose 404 means "nothing there". */
    const lookup = <B, A>(
      endpoint: string,
      path: string,
      decode: (u: unknown) => Result.Result<B, { readonly message: string }>,
      found: (body: B) => A,
      notFound: A
    ) =>
      authorized(endpoint, (token, n) =>
        Effect.gen(function*() {
          const answer = yield* send(endpoint, authorize(token, HttpClientRequest.get(`${base}${path}`)))
          switch (true) {
            case answer.status === 200: {
              const body = parseBody(answer.text, decode)
              return isProblem(body) ? yield* Effect.fail(malformed(answer, body.problem)) : found(body)
            }
            case answer.status === 404:
              return notFound
            case answer.status === 401:
              return yield* Effect.fail(new TokenRejected({ generation: token.generation }))
            case answer.status === 429:
              return yield* throttle(answer)
            case answer.status >= 500:
              return yield* Effect.fail(serverError(answer))
            default:
              return yield* Effect.fail(
                new KrotonUnavailable({ endpoint, reason: `HTTP ${answer.status} (not retried)`, attempts: n })
              )
          }
        }))

    const inscriptionsByCpf = (cpf: string) =>
      lookup(
        endpoints.inscriptionsByCpf,
        `/ms/inscricao/v4/captacao/inscricao/cpf/${cpfDigits(cpf)}`,
        decodeInscriptions,
        (body) => body.inscricoes,
        []
      )

    const matriculasByCpf = (cpf: string) =>
      lookup(
        endpoints.matriculasByCpf,
        `/ms/matricula/captacao/v1/ms/matricula/candidato/cpf/${cpfDigits(cpf)}`,
        decodeMatriculas,
        (body) => body.matriculas,
        []
      )

    const inscriptionByCode = (inscricaoId: string, sistema: Sistema) =>
      lookup(
        endpoints.inscriptionByCode,
        `/ms/inscricao/v4/captacao/inscricao/${encodeURIComponent(inscricaoId)}/sistema/${encodeURIComponent(sistema)}`,
        decodeEnrollment,
        (body): Option.Option<EnrollmentResponse> => Option.some(body),
        Option.none<EnrollmentResponse>()
      )

    // --- register ----------------------------------------------------------------------------------------------
    const register = (payload: EnrollmentPayload) =>
      authorized(endpoints.register, (token, n) =>
        Effect.gen(function*() {
          const request = authorize(token, HttpClientRequest.post(`${base}/ms/inscricao/v4/captacao/inscricao`)).pipe(
            HttpClientRequest.bodyJsonUnsafe(encodePayload(payload))
          )
          const answer = yield* send(endpoints.register, request).pipe(
            // once the POST may have reached Kroton, repeating it could inscribe the student twice
            Effect.catchTag("Transient", (t): Effect.Effect<never, RegisterOutcomeUnknown | Transient> =>
              t.sent
                ? Effect.fail(new RegisterOutcomeUnknown({ reason: `${t.reason} after sending` }))
                : Effect.fail(t))
          )
          const status = answer.status
          if (status === 200 || status === 201) {
            const body = parseBody(answer.text, decodeEnrollment)
            if (isProblem(body)) {
              return yield* Effect.fail(
                new RegisterOutcomeUnknown({ reason: maskText(`HTTP ${status} with an undocumented body: ${body.problem}`) })
              )
            }
            return { _tag: "Accepted", httpStatus: status, response: body } satisfies RegisterAnswer as RegisterAnswer
          }
          if (status === 400 || status === 422) {
            const raw = safeJson(answer.text)
            const body = parseBody(answer.text, decodeRejection)
            const message = isProblem(body) ? `HTTP ${status}` : body.message ?? `HTTP ${status}`
            const errors = isProblem(body) ? [] : body.errors ?? []
            return { _tag: "Rejected", httpStatus: status, message, errors, body: raw } satisfies RegisterAnswer as RegisterAnswer
          }
          if (status === 409) {
            return { _tag: "AlreadyInscribed", httpStatus: 409, body: safeJson(answer.text) } satisfies RegisterAnswer as RegisterAnswer
          }
          // 401 and 429 are answered before the request is processed: safe to send again
          if (status === 401) return yield* Effect.fail(new TokenRejected({ generation: token.generation }))
          if (status === 429) return yield* throttle(answer)
          if (status >= 500) return yield* Effect.fail(new RegisterOutcomeUnknown({ reason: `HTTP ${status} after sending` }))
          return yield* Effect.fail(
            new KrotonUnavailable({ endpoint: endpoints.register, reason: `HTTP ${status} (not retried)`, attempts: n })
          )
        }))

    const api: KrotonApiShape = {
      token: Effect.map(currentToken, (t) => t.token),
      inscriptionsByCpf,
      matriculasByCpf,
      inscriptionByCode,
      register
    }
    return api
  })

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
