// Infers a missing gender from the first name, with IBGE census data (2010 and 2022).
// Order: the shipped table (data/census-first-names.tsv.gz, 141,738 names), then the answers of the IBGE names API
// cached in census_names, then the API itself (each request within the "ibge" rate budget).
import { Cache, Config, Context, Data, Duration, Effect, Exit, Layer, Schedule, Schema } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import type { SqlClient } from "effect/sql"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import { runDecoded, run } from "../db/Queries.ts"
import { durationOr } from "./upstream/Settings.ts"
import { firstName } from "../domain/FirstName.ts"
import { RateBudget } from "./RateBudget.ts"

export interface GenderGuess {
  /** the normalised first name looked up */
  readonly firstName: string
  /** undefined when the census is not clear enough (below the threshold) or does not know the name */
  readonly gender: "M" | "F" | undefined
  /** share of the chosen gender (or of the majority, when undecided); undefined when unknown */
  readonly probability: number | undefined
  readonly source: "table" | "ibge" | "cache" | "unknown"
}

export class CensusUnavailable extends Schema.TaggedError<CensusUnavailable>()("CensusUnavailable", {
  reason: Schema.String
}) {
  override get message() {
    return `IBGE names API unavailable: ${this.reason}`
  }
}

// ---------------------------------------------------------------------------------------------- the table

/** Share of women per first name (0..1), keyed by the census spelling (see FirstName.ts). */
export type CensusTable = ReadonlyMap<string, number>

/** data/ sits at the package root, two levels above this file both in src/services and in dist/services. */
export const censusTablePath = fileURLToPath(new URL("../../data/census-first-names.tsv.gz", import.meta.url))

/** Decodes the front-coded table written by scripts/build-census-table.ts ("4a\t999": "mari" + "a", 0.999). */
export const parseCensusTable = (text: string): Map<string, number> => {
  const table = new Map<string, number>()
  let previous = ""
  let start = 0
  // a hand-written scan: about twice as fast as a regular expression per line on 141,738 lines
  while (start < text.length) {
    let end = text.indexOf("\n", start)
    if (end < 0) end = text.length
    const tab = text.indexOf("\t", start)
    let i = start
    let shared = 0
    while (i < tab && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) shared = shared * 10 + text.charCodeAt(i++) - 48
    const thousandths = tab > i && tab < end ? Number(text.slice(tab + 1, end)) : NaN
    if (i > start && Number.isInteger(thousandths) && thousandths >= 0 && thousandths <= 1000) {
      previous = previous.slice(0, shared) + text.slice(i, tab)
      table.set(previous, thousandths / 1000)
    }
    start = end + 1
  }
  return table
}

let shared: Map<string, number> | undefined
/** The shipped table, read once per process (about 75 ms and 11 MB of heap on the 2-core machine). */
export const loadCensusTable = (path: string = censusTablePath): CensusTable =>
  path === censusTablePath
    ? (shared ??= parseCensusTable(gunzipSync(readFileSync(path)).toString("utf8")))
    : parseCensusTable(gunzipSync(readFileSync(path)).toString("utf8"))

// ---------------------------------------------------------------------------------------------- the decision

// 4 decimals: absorbs float noise (1 - 0.9, float4 columns) so that exactly 0.9 counts as 0.9.
const round4 = (x: number) => Math.round(x * 10_000) / 10_000

/** F when the female share is at least `minProbability`, M when the male share is; else undecided (majority share). */
export const decide = (
  name: string,
  femaleShare: number | undefined,
  minProbability: number,
  source: GenderGuess["source"]
): GenderGuess => {
  if (femaleShare === undefined) return { firstName: name, gender: undefined, probability: undefined, source: "unknown" }
  const female = round4(femaleShare)
  const male = round4(1 - femaleShare)
  if (female >= minProbability) return { firstName: name, gender: "F", probability: female, source }
  if (male >= minProbability) return { firstName: name, gender: "M", probability: male, source }
  return { firstName: name, gender: undefined, probability: Math.max(female, male), source }
}

// ---------------------------------------------------------------------------------------------- the IBGE API

/** `GET {url}/{name}?sexo=M`: `[]` or one entry per locality with counts per decade of birth. */
const IbgeAnswer = Schema.Array(Schema.Struct({
  nome: Schema.String,
  res: Schema.Array(Schema.Struct({
    periodo: Schema.String,
    frequencia: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
  }))
}))
const decodeIbgeAnswer = Schema.decodeUnknownEffect(IbgeAnswer)

const CachedName = Schema.Struct({
  name: Schema.String,
  femaleShare: Schema.NullOr(Schema.Finite),
  total: Schema.NullOr(Schema.Finite)
})

/** One failed request: transient ones (5xx, 429, transport, timeout) are retried. */
class AttemptFailed extends Data.TaggedError("AttemptFailed")<{
  readonly transient: boolean
  readonly reason: string
  /** a 429's Retry-After */
  readonly retryAfter?: Duration.Duration
}> {}

export interface LiveOptions {
  /** GENDER_MIN_PROBABILITY */
  readonly minProbability: number
  /** IBGE_NAMES_URL, without the trailing slash */
  readonly ibgeUrl: string
  /** per request, IBGE_TIMEOUT */
  readonly timeout: Duration.Input
  /** retries after the first attempt of a request */
  readonly retries: number
  /** first retry delay, doubled each time */
  readonly retryBase: Duration.Input
  readonly table: CensusTable
  /** false in a dry-run: IBGE answers are used but not kept (the database stays as it was) */
  readonly keepAnswers?: boolean
}

/** The live service, given its options (tests use it directly to shorten timeouts and retries). */
export const makeLive = Effect.fn("GenderCensus.makeLive")(function*(options: LiveOptions) {
  const budget = yield* RateBudget
  const http = yield* HttpClient.HttpClient
  const sqlContext = yield* Effect.context<SqlClient.SqlClient>()
  const base = options.ibgeUrl.replace(/\/+$/, "")

  // One request, within the timeout (the wait for the budget is not part of it).
  const request = (name: string, sexo: "M" | "F") =>
    Effect.gen(function*() {
      const response = yield* http.get(`${base}/${encodeURIComponent(name)}?sexo=${sexo}`).pipe(
        Effect.mapError((e) => new AttemptFailed({ transient: true, reason: `${e.reason._tag} (sexo=${sexo})` }))
      )
      if (response.status < 200 || response.status >= 300) {
        yield* response.text.pipe(Effect.ignore) // frees the connection
        const retryAfter = Number(response.headers["retry-after"] ?? "")
        return yield* new AttemptFailed({
          transient: response.status >= 500 || response.status === 429 || response.status === 408,
          reason: `HTTP ${response.status} (sexo=${sexo})`,
          ...(response.status === 429
            ? { retryAfter: Duration.seconds(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 60) }
            : {})
        })
      }
      const body = yield* response.json.pipe(
        Effect.mapError(() => new AttemptFailed({ transient: false, reason: `body is not JSON (sexo=${sexo})` }))
      )
      const answer = yield* decodeIbgeAnswer(body).pipe(
        Effect.mapError(() => new AttemptFailed({ transient: false, reason: `unexpected answer (sexo=${sexo})` }))
      )
      return answer.reduce((sum, entry) => sum + entry.res.reduce((s, r) => s + r.frequencia, 0), 0)
    }).pipe(
      Effect.timeoutOrElse({
        duration: options.timeout,
        orElse: () => Effect.fail(new AttemptFailed({ transient: true, reason: `timeout (sexo=${sexo})` }))
      })
    )

  // Every attempt, retries included, spends one request of the "ibge" budget; a 429 pauses the budget.
  const attempt = (name: string, sexo: "M" | "F") =>
    budget.acquire("ibge").pipe(
      Effect.andThen(request(name, sexo)),
      Effect.tapError((e) => (e.retryAfter === undefined ? Effect.void : budget.throttled("ibge", e.retryAfter)))
    )

  const count = (name: string, sexo: "M" | "F") =>
    attempt(name, sexo).pipe(
      Effect.retry({
        schedule: Schedule.exponential(options.retryBase),
        times: options.retries,
        while: (e) => e.transient
      }),
      Effect.mapError((e) => new CensusUnavailable({ reason: `${name}: ${e.reason}` }))
    )

  // The database cache is an optimisation: if it fails we still answer (and say so in the log).
  const readCache = (name: string) =>
    runDecoded(CachedName, "census_names/select_by_name", [name]).pipe(
      Effect.map((rows) => rows[0]),
      Effect.catch((e) => Effect.logWarning(`census_names unreadable: ${e.message}`).pipe(Effect.as(undefined))),
      Effect.provide(sqlContext)
    )
  const writeCache = (name: string, share: number | null, total: number) =>
    options.keepAnswers === false ? Effect.void : run("census_names/insert_answer", [name, share, total]).pipe(
      Effect.catch((e) => Effect.logWarning(`census_names not written: ${e.message}`)),
      Effect.provide(sqlContext)
    )

  const lookup = (name: string) =>
    Effect.gen(function*() {
      const cached = yield* readCache(name)
      if (cached !== undefined) {
        return cached.femaleShare === null
          ? decide(name, undefined, options.minProbability, "unknown")
          : decide(name, cached.femaleShare, options.minProbability, "cache")
      }
      // one after the other: when the first fails for good, the second would only spend budget
      const male = yield* count(name, "M")
      const female = yield* count(name, "F")
      const total = male + female
      const share = total === 0 ? null : round4(female / total)
      yield* writeCache(name, share, total)
      yield* Effect.logDebug(`IBGE names API: ${name} -> ${share ?? "unknown"} (${total} people)`)
      return decide(name, share ?? undefined, options.minProbability, "ibge")
    })

  // Concurrent infers of one name share one lookup; answers stay, failures are forgotten at once (retried later).
  const cache = yield* Cache.makeWith(lookup, {
    capacity: 100_000,
    timeToLive: (exit) => (Exit.isSuccess(exit) ? Duration.infinity : Duration.zero)
  })

  return GenderCensus.of({
    infer: Effect.fn("GenderCensus.infer")(function*(fullName: string) {
      const name = firstName(fullName)
      if (name === "") return decide(name, undefined, options.minProbability, "unknown")
      const share = options.table.get(name)
      if (share !== undefined) return decide(name, share, options.minProbability, "table")
      return yield* Cache.get(cache, name)
    })
  })
})

const liveOptions = Effect.gen(function*() {
  const minProbability = yield* Config.Number("GENDER_MIN_PROBABILITY").pipe(Config.withDefault(0.9))
  if (!(minProbability > 0.5 && minProbability <= 1)) {
    return yield* Effect.die(new Error(`GENDER_MIN_PROBABILITY must be in ]0.5, 1], got ${minProbability}`))
  }
  const ibgeUrl = yield* Config.String("IBGE_NAMES_URL").pipe(
    Config.withDefault("https://servicodados.ibge.gov.br/api/v2/censos/nomes")
  )
  const timeout = yield* durationOr("IBGE_TIMEOUT", "10s")
  const table = yield* Effect.sync(() => loadCensusTable())
  return { minProbability, ibgeUrl, timeout, retries: 3, retryBase: Duration.millis(500), table } satisfies LiveOptions
})

export class GenderCensus extends Context.Service<GenderCensus, {
  readonly infer: (fullName: string) => Effect.Effect<GenderGuess, CensusUnavailable>
}>()("kroton-leads/GenderCensus") {
  /** Table, cache in census_names, IBGE names API (through fetch). Needs SqlClient and RateBudget. */
  static readonly layer = Layer.effect(this, Effect.flatMap(liveOptions, makeLive)).pipe(
    Layer.provide(FetchHttpClient.layer)
  )

  /** As `layer`, but IBGE answers are not written to census_names (dry-run: no database writes). */
  static readonly layerDryRun = Layer.effect(
    this,
    Effect.flatMap(liveOptions, (options) => makeLive({ ...options, keepAnswers: false }))
  ).pipe(Layer.provide(FetchHttpClient.layer))

  /** In memory: the table given by the test (female share per census-spelled first name); nothing else is asked. */
  static readonly layerTest = (table: Readonly<Record<string, number>>, minProbability = 0.9) =>
    Layer.succeed(this, {
      infer: (fullName: string) =>
        Effect.sync(() => {
          const name = firstName(fullName)
          const share = Object.hasOwn(table, name) ? table[name] : undefined
          return decide(name, share, minProbability, "table")
        })
    })
}
