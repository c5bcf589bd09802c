// The live offer-catalog client: POST the contract section 4 query, Bearer only when a token is configured,
// "catalog" budget, the shared retry policy; hits decoded and returned in the catalog's order.
import { Clock, Duration, Effect, Option, type Redacted, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { CourseSearchResponse, type Offer } from "../../domain/KrotonWire.ts"
import { maskText } from "../../domain/Mask.ts"
import { buildOfferSearch, type CourseInterest } from "../../domain/OfferSearch.ts"
import { CatalogUnavailable } from "./CatalogErrors.ts"
import { RateBudget } from "../RateBudget.ts"
import {
  type Answer,
  type AttemptFailure,
  defaultBackoff,
  exchange,
  warmUp,
  isProblem,
  parseBody,
  retryAfterOf,
  Throttled,
  Transient,
  withRetries
} from "./Http.ts"
import { durationOr, optionalSecret, positiveIntOr, requiredString } from "./Settings.ts"

export interface CatalogSettings {
  /** the full search URL (ends in /_search) */
  readonly url: string
  /** staging wants a Bearer token; production none */
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly timeout: Duration.Duration
  readonly maxAttempts: number
  readonly baseDelay?: Duration.Duration
  readonly maxDelay?: Duration.Duration
  /** hits asked for (default 10; callers use the first two) */
  readonly size?: number
  readonly retryAfterFallback?: Duration.Duration
}

export const catalogSettingsFromConfig = Effect.gen(function*() {
  const settings: CatalogSettings = {
    url: yield* requiredString("OFFER_CATALOG_URL"),
    token: yield* optionalSecret("OFFER_CATALOG_TOKEN"),
    timeout: yield* durationOr("OFFER_CATALOG_TIMEOUT", "15s"),
    maxAttempts: yield* positiveIntOr("OFFER_CATALOG_MAX_ATTEMPTS", 4)
  }
  return settings
})

export const searchEndpoint = "POST {catalog}/_search"

const decodeResponse = Schema.decodeUnknownResult(CourseSearchResponse)

const unavailable = (failure: AttemptFailure, attempts: number) =>
  new CatalogUnavailable({
    reason: failure._tag === "Throttled"
      ? "HTTP 429 (rate limited)"
      : failure.kind === "malformed"
      ? `undocumented answer (HTTP ${failure.status}): ${failure.reason}`
      : failure.reason,
    attempts
  })

export const make = (settings: CatalogSettings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const budget = yield* RateBudget
    yield* warmUp(client)
    const policy = {
      maxAttempts: settings.maxAttempts,
      timeout: settings.timeout,
      baseDelay: settings.baseDelay ?? defaultBackoff.baseDelay,
      maxDelay: settings.maxDelay ?? defaultBackoff.maxDelay
    }
    const size = settings.size ?? 10
    const fallback = settings.retryAfterFallback ?? Duration.seconds(5)

    const attempt = (body: unknown, n: number) =>
      Effect.gen(function*() {
        const base = HttpClientRequest.post(settings.url).pipe(HttpClientRequest.acceptJson, HttpClientRequest.bodyJsonUnsafe(body))
        const request = Option.match(settings.token, {
          onNone: () => base,
          onSome: (token) => HttpClientRequest.bearerToken(base, token)
        })
        yield* budget.acquire("catalog")
        const answer: Answer = yield* exchange(client, "catalog", searchEndpoint, request, settings.timeout)
        if (answer.status === 200) {
          const decoded = parseBody(answer.text, decodeResponse)
          if (isProblem(decoded)) {
            return yield* Effect.fail(new Transient({ kind: "malformed", status: 200, reason: maskText(decoded.problem), sent: true }))
          }
          return decoded.hits.hits.map((hit): Offer => hit._source)
        }
        if (answer.status === 429) {
          const retryAfter = retryAfterOf(answer.headers, yield* Clock.currentTimeMillis, fallback)
          yield* budget.throttled("catalog", retryAfter)
          return yield* Effect.fail(new Throttled({ retryAfter }))
        }
        if (answer.status >= 500) {
          return yield* Effect.fail(new Transient({ kind: "status", status: answer.status, reason: `HTTP ${answer.status}`, sent: true }))
        }
        // 4xx: our query or our token was refused; asking again cannot help
        return yield* Effect.fail(new CatalogUnavailable({ reason: `HTTP ${answer.status} (not retried)`, attempts: n }))
      })

    const search = (interest: CourseInterest, today: string) =>
      withRetries(policy, (n) => attempt(buildOfferSearch(interest, today, size), n), unavailable).pipe(
        Effect.withSpan(`OfferCatalog ${searchEndpoint}`, { attributes: { endpoint: searchEndpoint } })
      )

    return { search }
  })
