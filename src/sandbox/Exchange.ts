// One request as the upstream handlers see it: body already read, answers through `send`.
import type { IncomingHttpHeaders } from "node:http"
import type { FaultKind } from "./Faults.ts"

export interface Exchange {
  readonly method: string
  /** path below the upstream's prefix, e.g. "/oauth2/token" */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** the fault drawn for this request, when the handler has to act on it (post-then-fail) */
  readonly fault: FaultKind | undefined
  /** how a "post-then-fail" fault fails, once the handler has done its work */
  readonly postThenFail: "500" | "reset"
  readonly send: (status: number, body: string, headers?: Readonly<Record<string, string>>) => void
  readonly json: (status: number, value: unknown, headers?: Readonly<Record<string, string>>) => void
  /** destroy the connection without an answer */
  readonly reset: () => void
}

/** A route of an upstream: name (for fault plans) and the path template logged. */
export interface RouteMatch {
  readonly name: string
  readonly template: string
  readonly params: ReadonlyArray<string>
}

export interface RouteSpec {
  readonly name: string
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
}

export const matchRoute = (routes: ReadonlyArray<RouteSpec>, method: string, path: string): RouteMatch | undefined => {
  for (const route of routes) {
    if (route.method !== method) continue
    const m = route.pattern.exec(path)
    if (m) return { name: route.name, template: `${route.method} ${route.template}`, params: m.slice(1).map(safeDecode) }
  }
  return undefined
}

export const bearerToken = (headers: IncomingHttpHeaders): string | undefined => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "")
  return m?.[1]
}

export const parseJson = (body: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(body) }
  } catch {
    return { ok: false }
  }
}

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
