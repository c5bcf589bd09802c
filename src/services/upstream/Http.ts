// One exchange with an upstream, and the retry policy every live client shares: exponential backoff with
// jitter and a bounded number of attempts for 5xx, timeouts, connection failures and malformed bodies;
// a 429 waits for its Retry-After (the RateBudget is told, so every process pauses) and counts as an attempt.
import { Data, Duration, Effect, Metric, Result, Schedule } from "effect"
import { Headers, HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"
import type { Upstream } from "../RateBudget.ts"

export interface RetryPolicy {
  /** attempts in all (the first one included) */
  readonly maxAttempts: number
  /** per attempt: from sending the request to the last byte of the answer */
  readonly timeout: Duration.Duration
  /** first backoff; doubles each retry, with jitter */
  readonly baseDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
}

export const defaultBackoff = { baseDelay: Duration.millis(500), maxDelay: Duration.seconds(30) } as const

/** What came back: any status (the caller classifies), the headers and the body text. */
export interface Answer {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
}

/** A failure worth another attempt. `sent`: the request may have reached the upstream (matters for POSTs). */
export class Transient extends Data.TaggedError("Transient")<{
  readonly kind: "status" | "timeout" | "transport" | "malformed"
  readonly status: number
  readonly reason: string
  readonly sent: boolean
}> {}

/** 429: wait `retryAfter`, then try again. */
export class Throttled extends Data.TaggedError("Throttled")<{ readonly retryAfter: Duration.Duration }> {}

export type AttemptFailure = Transient | Throttled

export const isAttemptFailure = (u: unknown): u is AttemptFailure =>
  typeof u === "object" && u !== null && "_tag" in u && (u._tag === "Transient" || u._tag === "Throttled")

// --- metrics (exposed by the /metrics endpoint) --------------------------------------------------------------
/** Upstream requests by upstream, endpoint template and outcome (2xx, 4xx, 429, 5xx, timeout, transport). */
export const upstreamRequests = Metric.counter("upstream_requests_total", {
  description: "requests sent to upstreams, by outcome",
  incremental: true
})

const count = (upstream: Upstream, endpoint: string, outcome: string) =>
  Metric.update(Metric.withAttributes(upstreamRequests, { upstream, endpoint, outcome }), 1)

const outcomeOf = (status: number) => (status === 429 ? "429" : `${Math.floor(status / 100)}xx`)

// --- one exchange ---------------------------------------------------------------------------------------------
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"])

/** The first error code in a cause chain (ECONNRESET, UND_ERR_SOCKET, ...); never a URL or a body. */
const errorCode = (u: unknown, depth = 0): string | undefined => {
  if (depth > 5 || typeof u !== "object" || u === null) return undefined
  const code = (u as { code?: unknown }).code
  if (typeof code === "string") return code
  return errorCode((u as { cause?: unknown }).cause, depth + 1)
}

const transportFailure = (error: HttpClientError.HttpClientError): Transient => {
  const code = errorCode(error.reason.cause) ?? error.reason._tag
  return new Transient({ kind: "transport", status: 0, reason: `connection failed (${code})`, sent: !NOT_SENT.has(code) })
}

/**
 * Sends `request` and reads the whole answer within `timeout`. Statuses are not judged here. The HTTP client's
 * own span is disabled: its attributes would carry the URL, and URLs carry CPFs.
 */
export const exchange = (
  client: HttpClient.HttpClient,
  upstream: Upstream,
  endpoint: string,
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.Duration
): Effect.Effect<Answer, Transient> =>
  client.execute(request).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (text): Answer => ({ status: response.status, headers: response.headers, text }))
    ),
    Effect.mapError(transportFailure),
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () =>
        Effect.fail(
          new Transient({ kind: "timeout", status: 0, reason: `no answer within ${Duration.format(timeout)}`, sent: true })
        )
    }),
    Effect.provideService(HttpClient.TracerDisabledWhen, () => true),
    Effect.tapError((e) => count(upstream, endpoint, e.kind)),
    Effect.tap((answer) => count(upstream, endpoint, outcomeOf(answer.status)))
  )

/**
 * The first request of a process loads the HTTP stack (undici: tens of milliseconds). Done at start, on a
 * data: URL (no network), so that this delay never falls between a budget grant and its request: the
 * upstream would then count the request later than our log does.
 */
export const warmUp = (client: HttpClient.HttpClient): Effect.Effect<void> =>
  client.execute(HttpClientRequest.get("data:,")).pipe(
    Effect.provideService(HttpClient.TracerDisabledWhen, () => true),
    Effect.timeout("5 seconds"),
    Effect.ignore
  )

/** Retry-After (seconds or HTTP date) as a delay from `now`; `fallback` when absent or unreadable. */
export const retryAfterOf = (headers: Headers.Headers, now: number, fallback: Duration.Duration): Duration.Duration => {
  const raw = headers["retry-after"]
  if (raw === undefined) return fallback
  const parsed = Headers.parseRetryAfter(raw)
  return Result.isSuccess(parsed) ? Headers.retryAfterDelay(parsed.success, now) : fallback
}

/** JSON text decoded by `decode`; a string naming the problem otherwise (never the body: it may hold personal data). */
export const parseBody = <A>(text: string, decode: (u: unknown) => Result.Result<A, { readonly message: string }>): A | { readonly problem: string } => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { problem: `body is not JSON (${text.length} bytes)` }
  }
  const decoded = decode(json)
  return Result.isSuccess(decoded) ? decoded.success : { problem: `unexpected shape: ${decoded.failure.message.replace(/\s*\n\s*/g, "; ")}` }
}

export const isProblem = (u: unknown): u is { readonly problem: string } =>
  typeof u === "object" && u !== null && "problem" in u && Object.keys(u).length === 1

// --- retries --------------------------------------------------------------------------------------------------
/** A failure not worth another attempt, carried through the retry loop untouched. */
class Final<E> extends Data.TaggedError("Final")<{ readonly error: E }> {}

type Step = AttemptFailure | Final<unknown>

/** Exponential backoff (doubling, jittered, capped at maxDelay); after a 429, exactly its Retry-After. */
export const retrySchedule = (policy: RetryPolicy) =>
  Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.setInputType<Step>(),
    Schedule.modifyDelay(({ duration, input }) =>
      Effect.succeed(input._tag === "Throttled" ? input.retryAfter : Duration.min(duration, policy.maxDelay))
    ),
    Schedule.upTo({ times: Math.max(0, policy.maxAttempts - 1) })
  )

/**
 * Runs `attempt` until it succeeds, fails with something other than an AttemptFailure (returned as is), or
 * the attempts are spent: then `exhausted(lastFailure, attempts)`.
 */
export const withRetries = <A, E, R, E2>(
  policy: RetryPolicy,
  attempt: (n: number) => Effect.Effect<A, E | AttemptFailure, R>,
  exhausted: (failure: AttemptFailure, attempts: number) => E2
): Effect.Effect<A, Exclude<E, AttemptFailure> | E2, R> =>
  Effect.suspend(() => {
    let attempts = 0
    const once: Effect.Effect<A, Step, R> = Effect.suspend(() => attempt(++attempts)).pipe(
      Effect.mapError((e): Step => (isAttemptFailure(e) ? e : new Final({ error: e })))
    )
    return once.pipe(
      Effect.retry({ schedule: retrySchedule(policy), while: (e: Step) => e._tag !== "Final" }),
      Effect.tapError(() => Effect.annotateCurrentSpan("attempts", attempts)),
      Effect.tap(() => Effect.annotateCurrentSpan("attempts", attempts)),
      Effect.mapError((e) => (e._tag === "Final" ? e.error as Exclude<E, AttemptFailure> : exhausted(e, attempts)))
    )
  })
