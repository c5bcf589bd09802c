// The offer catalog (Elasticsearch middleware, contract section 4): the subset of the query DSL the client
// sends (bool.must of match / term / range, size, optional sort), with Elasticsearch's semantics.
import type { Offer } from "../domain/KrotonWire.ts"
import { bearerToken, type Exchange, parseJson, type RouteSpec } from "./Exchange.ts"

/** An offer as stored: the documented fields plus whatever else the index keeps (idUnidadeOrigem, nmUnidade). */
export type CatalogOffer = Offer & {
  readonly idUnidadeOrigem?: number | undefined
  readonly nmUnidade?: string | undefined
}

export const catalogPath = "/elasticlayer/middleware/oferta/_search"

export const catalogRoutes: ReadonlyArray<RouteSpec> = [
  { name: "search", method: "POST", template: catalogPath, pattern: /^\/elasticlayer\/middleware\/oferta\/_search$/ }
]

type Scalar = string | number | boolean
type Clause =
  | { readonly kind: "match"; readonly field: string; readonly query: Scalar; readonly and: boolean }
  | { readonly kind: "term"; readonly field: string; readonly value: Scalar }
  | {
    readonly kind: "range"
    readonly field: string
    readonly bounds: Partial<Record<"gte" | "gt" | "lte" | "lt", Scalar>>
  }

export interface SearchRequest {
  readonly clauses: ReadonlyArray<Clause>
  readonly size: number
  readonly from: number
  readonly sort: ReadonlyArray<{ readonly field: string; readonly desc: boolean }>
}

export class QueryError extends Error {}

const isScalar = (u: unknown): u is Scalar => typeof u === "string" || typeof u === "number" || typeof u === "boolean"
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const single = (u: unknown, what: string): [string, unknown] => {
  if (!isObject(u)) throw new QueryError(`[${what}] query malformed, expected an object`)
  const entries = Object.entries(u)
  if (entries.length !== 1) throw new QueryError(`[${what}] query doesn't support multiple fields`)
  return entries[0]!
}

const parseClause = (u: unknown): Clause => {
  const [kind, body] = single(u, "bool")
  const [field, spec] = single(body, kind)
  switch (kind) {
    case "match": {
      if (isScalar(spec)) return { kind, field, query: spec, and: false }
      if (isObject(spec) && isScalar(spec.query)) {
        const op = spec.operator === undefined ? "or" : String(spec.operator).toLowerCase()
        if (op !== "and" && op !== "or") throw new QueryError(`[match] unknown operator [${String(spec.operator)}]`)
        return { kind, field, query: spec.query, and: op === "and" }
      }
      throw new QueryError("[match] query malformed, no query")
    }
    case "term": {
      if (isScalar(spec)) return { kind, field, value: spec }
      if (isObject(spec) && isScalar(spec.value)) return { kind, field, value: spec.value }
      throw new QueryError("[term] query malformed, no value")
    }
    case "range": {
      if (!isObject(spec)) throw new QueryError("[range] query malformed")
      const bounds: Partial<Record<"gte" | "gt" | "lte" | "lt", Scalar>> = {}
      for (const [k, v] of Object.entries(spec)) {
        if ((k === "gte" || k === "gt" || k === "lte" || k === "lt") && isScalar(v)) bounds[k] = v
        else if (k !== "format") throw new QueryError(`[range] query does not support [${k}]`)
      }
      if (Object.keys(bounds).length === 0) throw new QueryError("[range] query malformed, no bounds")
      return { kind, field, bounds }
    }
    default:
      throw new QueryError(`unknown query [${kind}]`)
  }
}

export const parseSearch = (u: unknown): SearchRequest => {
  if (!isObject(u) || !isObject(u.query)) throw new QueryError("request body requires [query]")
  const [kind, bool] = single(u.query, "query")
  if (kind !== "bool" || !isObject(bool)) throw new QueryError(`unsupported query [${kind}]`)
  const clauses: Array<Clause> = []
  for (const [occur, list] of Object.entries(bool)) {
    if (occur !== "must" && occur !== "filter") throw new QueryError(`[bool] unsupported clause [${occur}]`)
    for (const c of Array.isArray(list) ? list : [list]) clauses.push(parseClause(c))
  }
  const size = u.size === undefined ? 10 : u.size
  const from = u.from === undefined ? 0 : u.from
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0 || size > 10_000) {
    throw new QueryError("[size] must be an integer between 0 and 10000")
  }
  if (typeof from !== "number" || !Number.isInteger(from) || from < 0) throw new QueryError("[from] must be >= 0")
  const sort: Array<{ field: string; desc: boolean }> = []
  for (const s of u.sort === undefined ? [] : Array.isArray(u.sort) ? u.sort : [u.sort]) {
    if (typeof s === "string") sort.push({ field: s, desc: false })
    else {
      const [field, order] = single(s, "sort")
      const o = isObject(order) ? order.order : order
      if (o !== "asc" && o !== "desc") throw new QueryError(`[sort] unknown order for [${field}]`)
      sort.push({ field, desc: o === "desc" })
    }
  }
  return { clauses, size, from, sort }
}

/** Lower case, accents removed, split on anything not a letter or digit (the analyzer of dsCurso). */
export const tokens = (text: string): ReadonlyArray<string> =>
  text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length > 0)

const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()

/** Equality as Elasticsearch coerces a query value to the field's type. */
const equals = (field: unknown, value: Scalar, caseInsensitive: boolean): boolean => {
  if (typeof field === "number") return Number(value) === field && String(value).trim() !== ""
  if (typeof field === "boolean") return value === field || String(value) === String(field)
  if (typeof field === "string") return caseInsensitive ? fold(field) === fold(String(value)) : field === String(value)
  return false
}

const compare = (field: unknown, bound: Scalar): number | undefined => {
  if (typeof field === "number") {
    const b = Number(bound)
    return Number.isNaN(b) ? undefined : field - b
  }
  if (typeof field === "string") return field < String(bound) ? -1 : field > String(bound) ? 1 : 0
  return undefined
}

const TEXT_FIELDS = new Set(["dsCurso"])

const matches = (offer: CatalogOffer, clause: Clause): boolean => {
  const value = (offer as Record<string, unknown>)[clause.field]
  if (value === undefined || value === null) return false
  switch (clause.kind) {
    case "match": {
      if (!TEXT_FIELDS.has(clause.field)) return equals(value, clause.query, true)
      const have = new Set(tokens(String(value)))
      const want = tokens(String(clause.query))
      if (want.length === 0) return false
      return clause.and ? want.every((t) => have.has(t)) : want.some((t) => have.has(t))
    }
    case "term":
      return equals(value, clause.value, false)
    case "range":
      return Object.entries(clause.bounds).every(([op, bound]) => {
        const c = compare(value, bound)
        if (c === undefined) return false
        return op === "gte" ? c >= 0 : op === "gt" ? c > 0 : op === "lte" ? c <= 0 : c < 0
      })
  }
}

/** Default order: closes soonest first, then id (stable); `sort` in the request overrides it. */
export const search = (
  catalog: ReadonlyArray<CatalogOffer>,
  request: SearchRequest
): { readonly total: number; readonly hits: ReadonlyArray<CatalogOffer> } => {
  const found = catalog.filter((o) => request.clauses.every((c) => matches(o, c)))
  const keys = request.sort.length > 0
    ? request.sort
    : [{ field: "dtTerminoInscricao", desc: false }]
  const sorted = [...found].sort((a, b) => {
    for (const k of [...keys, { field: "id", desc: false }]) {
      const x = (a as Record<string, unknown>)[k.field]
      const y = (b as Record<string, unknown>)[k.field]
      if (x === y) continue
      if (x === undefined) return 1
      if (y === undefined) return -1
      const c = (x as string | number) < (y as string | number) ? -1 : 1
      return k.desc ? -c : c
    }
    return 0
  })
  return { total: found.length, hits: sorted.slice(request.from, request.from + request.size) }
}

const esError = (reason: string) => ({
  error: { root_cause: [{ type: "parsing_exception", reason }], type: "parsing_exception", reason },
  status: 400
})

export const makeCatalogHandler = (options: {
  readonly catalog: ReadonlyArray<CatalogOffer>
  readonly token: string | undefined
}) =>
(ex: Exchange): void => {
  if (options.token !== undefined && bearerToken(ex.headers) !== options.token) {
    ex.json(401, { error: "unauthorized", message: "Bearer token missing or invalid" })
    return
  }
  const parsed = parseJson(ex.body)
  if (!parsed.ok) {
    ex.json(400, esError("request body is not valid JSON"))
    return
  }
  let request: SearchRequest
  try {
    request = parseSearch(parsed.value)
  } catch (e) {
    ex.json(400, esError(e instanceof QueryError ? e.message : "malformed query"))
    return
  }
  const result = search(options.catalog, request)
  ex.json(200, {
    took: 1,
    timed_out: false,
    hits: {
      total: { value: result.total, relation: "eq" },
      max_score: result.hits.length > 0 ? 1 : null,
      hits: result.hits.map((o) => ({ _index: "oferta", _id: o.id, _score: 1, _source: o }))
    }
  })
}
