// The outside world in one local HTTP server: Kroton's API, the offer catalog, IBGE's names API and a Slack
// webhook, each under its own prefix, each with its own sliding-window limit and fault plan.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import type { Inscription, Matricula } from "../domain/KrotonWire.ts"
import { catalogPath, catalogRoutes, type CatalogOffer, makeCatalogHandler } from "./Catalog.ts"
import { cpfDigits } from "./Cpf.ts"
import { type Exchange, matchRoute, type RouteSpec } from "./Exchange.ts"
import {
  type FaultKind,
  type FaultPlan,
  type FaultState,
  makeFaultState,
  malformedBody,
  type Upstream
} from "./Faults.ts"
import { loadCatalog, loadWorld } from "./Fixtures.ts"
import { ibgeHandler, ibgePath, ibgeRoutes } from "./Ibge.ts"
import { krotonRoutes, makeKroton } from "./Kroton.ts"
import { makeSlackHandler, slackPath, slackRoutes } from "./Slack.ts"
import { makeSlidingWindow, maxInWindow, retryAfterSeconds, type SlidingWindow } from "./SlidingWindow.ts"
import { type InscriptionRecord, makeWorldState, type World } from "./World.ts"

export type { FaultKind, FaultPlan, Upstream } from "./Faults.ts"
export type { CatalogOffer } from "./Catalog.ts"
export type { InscriptionRecord, World, WorldEntry } from "./World.ts"
export { destinyFor, registerOutcomeFor } from "./World.ts"

export type LimitedUpstream = "kroton" | "catalog" | "ibge"

export interface SandboxOptions {
  /** 0 (default) = ephemeral */
  readonly port?: number
  readonly host?: string
  /** per upstream (kroton incl. token requests, catalog, ibge counted separately); default 100 per 300_000 ms */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number }
  readonly tokenTtlSeconds?: number
  readonly clientId?: string
  readonly clientSecret?: string
  readonly scope?: string
  /** when set, the catalog requires "Authorization: Bearer <it>" */
  readonly catalogToken?: string
  /** default fixtures/catalog.json; extra fields (idUnidadeOrigem) are matched and returned like the others */
  readonly catalog?: ReadonlyArray<CatalogOffer>
  /** default fixtures/world.json */
  readonly world?: World
  /** YYYY-MM-DD, the sandbox's own calendar; default the real (UTC) date */
  readonly today?: string
  /** NEW/PROCESSING inscriptions settle after this many polls of the by-code route (default 2) */
  readonly pollsToSettle?: number
  /** the clock of the limiter, the tokens and the log (ms epoch); default Date.now */
  readonly now?: () => number
}

export interface RequestLogEntry {
  readonly upstream: Upstream
  readonly method: string
  /** "POST /oauth2/token", "GET /ms/inscricao/v4/captacao/inscricao/cpf/{cpf}"; "unknown" when no route */
  readonly path: string
  /** route name, as fault plans name them: token, inscriptionsByCpf, matriculasByCpf, inscriptionByCode, register,
   * search, names, webhook; "unknown" */
  readonly route: string
  /** 0 when no answer was sent (reset, hang) */
  readonly status: number
  readonly at: number
  /** not throttled (neither by the window nor by an injected 429) */
  readonly accepted: boolean
  readonly fault?: FaultKind
}

export interface SandboxHandle {
  readonly url: string
  readonly krotonUrl: string
  readonly catalogUrl: string
  readonly ibgeNamesUrl: string
  readonly slackWebhookUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  readonly setFaults: (upstream: Upstream, faults: FaultPlan) => void
  readonly log: () => ReadonlyArray<RequestLogEntry>
  readonly maxInAnyWindow: (upstream: LimitedUpstream, windowMs: number) => number
  /** register POSTs that reached Kroton's handler (past limiter, auth and gateway faults), per CPF (11 digits) */
  readonly postsByCpf: () => ReadonlyMap<string, number>
  readonly inscriptions: () => ReadonlyArray<InscriptionRecord>
  readonly slackMessages: () => ReadonlyArray<unknown>
  readonly expireTokens: () => void
  /** settles pending inscriptions, evolves classifications (by CPF), moves `today` */
  readonly advanceDay: (days?: number) => void
  readonly today: () => string
  readonly seed: (
    cpf: string,
    record: { readonly inscricoes?: ReadonlyArray<Inscription>; readonly matriculas?: ReadonlyArray<Matricula> }
  ) => void
  readonly close: () => Promise<void>
}

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] }

const prefixes: ReadonlyArray<readonly [Upstream, string, ReadonlyArray<RouteSpec>]> = [
  ["kroton", "/kroton", krotonRoutes],
  ["catalog", "/catalog", catalogRoutes],
  ["ibge", "/ibge", ibgeRoutes],
  ["slack", "/slack", slackRoutes]
]

const gatewayError = (status: number): string =>
  status === 500
    ? JSON.stringify({ error: "internal_error", message: "Unexpected error" })
    : `<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center><hr><center>gateway</center></body></html>`

/** The variables a client of this sandbox sets (the names of the program's settings), in the order printed. */
export const clientEnvironment = (sandbox: SandboxHandle, catalogToken?: string): Record<string, string> => ({
  KROTON_API_URL: sandbox.krotonUrl,
  KROTON_CLIENT_ID: sandbox.clientId,
  KROTON_CLIENT_SECRET: sandbox.clientSecret,
  KROTON_SCOPE: sandbox.scope,
  OFFER_CATALOG_URL: sandbox.catalogUrl,
  ...(catalogToken === undefined ? {} : { OFFER_CATALOG_TOKEN: catalogToken }),
  IBGE_NAMES_URL: sandbox.ibgeNamesUrl,
  SLACK_WEBHOOK_URL: sandbox.slackWebhookUrl
})

export const startSandbox = (options: SandboxOptions = {}): Promise<SandboxHandle> => {
  const now = options.now ?? Date.now
  const host = options.host ?? "127.0.0.1"
  const rate = options.rateLimit ?? { limit: 100, windowMs: 300_000 }
  const catalog = options.catalog ?? loadCatalog()
  const world = makeWorldState({
    world: options.world ?? loadWorld(),
    today: options.today ?? new Date().toISOString().slice(0, 10),
    pollsToSettle: options.pollsToSettle ?? 2
  })
  const clientId = options.clientId ?? "kroton-leads"
  const clientSecret = options.clientSecret ?? "sandbox-secret"
  const scope = options.scope ?? "inscricao"
  const kroton = makeKroton({
    clientId,
    clientSecret,
    scope,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 300,
    now,
    world,
    catalog: new Map(catalog.map((o) => [o.id, o]))
  })
  const catalogHandler = makeCatalogHandler({ catalog, token: options.catalogToken })
  const messages: Array<unknown> = []
  const slackHandler = makeSlackHandler(messages)
  const limiters: Record<LimitedUpstream, SlidingWindow> = {
    kroton: makeSlidingWindow(rate.limit, rate.windowMs),
    catalog: makeSlidingWindow(rate.limit, rate.windowMs),
    ibge: makeSlidingWindow(rate.limit, rate.windowMs)
  }
  const faults: Record<Upstream, FaultState> = {
    kroton: makeFaultState({}),
    catalog: makeFaultState({}),
    ibge: makeFaultState({}),
    slack: makeFaultState({})
  }
  const log: Array<MutableEntry> = []
  const hung = new Set<ServerResponse>()

  const dispatch = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", "http://sandbox")
    const method = req.method ?? "GET"
    const found = prefixes.find(([, prefix]) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))
    if (!found) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not_found" }))
      return
    }
    const [upstream, prefix, routes] = found
    const path = url.pathname.slice(prefix.length) || "/"
    const route = matchRoute(routes, method, path)
    const at = now()
    const entry: MutableEntry = {
      upstream,
      method,
      path: route?.template ?? "unknown",
      route: route?.name ?? "unknown",
      status: 0,
      at,
      accepted: false
    }
    log.push(entry)
    const send = (status: number, text: string, headers: Readonly<Record<string, string>> = {}) => {
      entry.status = status
      if (!res.destroyed) res.writeHead(status, { "content-type": "application/json", ...headers }).end(text)
    }
    const reset = () => {
      entry.status = 0
      res.destroy()
      req.socket.destroy()
    }

    const limiter = upstream === "slack" ? undefined : limiters[upstream]
    const wait = limiter?.check(at)
    if (wait !== undefined) {
      const seconds = retryAfterSeconds(wait)
      send(429, JSON.stringify({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` }), {
        "retry-after": String(seconds)
      })
      return
    }
    const fault = faults[upstream].draw(route?.name ?? "unknown")
    if (fault !== undefined) entry.fault = fault
    if (fault === "429") {
      const seconds = faults[upstream].plan.retryAfterSeconds ?? 1
      send(429, JSON.stringify({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` }), {
        "retry-after": String(seconds)
      })
      return
    }
    limiter?.record(at)
    entry.accepted = true

    switch (fault) {
      case "500":
      case "502":
      case "503":
      case "504": {
        const status = Number(fault)
        send(status, gatewayError(status), { "content-type": status === 500 ? "application/json" : "text/html" })
        return
      }
      case "reset":
        return reset()
      case "hang":
        hung.add(res)
        res.on("close", () => hung.delete(res))
        return
      case "malformed": {
        const m = malformedBody(faults[upstream].malformedVariant())
        send(200, m.body, { "content-type": m.contentType })
        return
      }
      case "expire-token":
        kroton.expireTokens()
        if (upstream !== "kroton") {
          send(401, JSON.stringify({ error: "invalid_token" }))
          return
        }
        break
      case "post-then-fail":
        if (route?.name !== "register") {
          send(500, gatewayError(500))
          return
        }
        break
      case undefined:
        break
    }
    if (!route) {
      send(404, JSON.stringify({ error: "not_found", message: `no route for ${method} ${path}` }))
      return
    }
    const ex: Exchange = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      fault,
      postThenFail: faults[upstream].plan.postThenFail ?? "500",
      send,
      json: (status, value, headers) => send(status, JSON.stringify(value), headers),
      reset
    }
    switch (upstream) {
      case "kroton":
        return kroton.handle(ex, route.name, route.params)
      case "catalog":
        return catalogHandler(ex)
      case "ibge":
        return ibgeHandler(ex, route.params)
      case "slack":
        return slackHandler(ex)
    }
  }

  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > 1_000_000) {
        res.writeHead(413).end()
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => {
      try {
        dispatch(req, res, Buffer.concat(chunks).toString("utf8"))
      } catch (e) {
        // a sandbox bug must show as a 500, never crash the demo
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(`sandbox error: ${String(e)}`)
      }
    })
    req.on("error", () => res.destroy())
  })

  return new Promise<SandboxHandle>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      const port = (server.address() as AddressInfo).port
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
      let closed: Promise<void> | undefined
      resolve({
        url,
        krotonUrl: `${url}/kroton`,
        catalogUrl: `${url}/catalog${catalogPath}`,
        ibgeNamesUrl: `${url}/ibge${ibgePath}`,
        slackWebhookUrl: `${url}/slack${slackPath}`,
        clientId,
        clientSecret,
        scope,
        setFaults: (upstream, plan) => {
          faults[upstream] = makeFaultState(plan)
        },
        log: () => log.map((e) => ({ ...e })),
        maxInAnyWindow: (upstream, windowMs) =>
          maxInWindow(log.filter((e) => e.upstream === upstream && e.accepted).map((e) => e.at), windowMs),
        postsByCpf: () => new Map(kroton.postsByCpf),
        inscriptions: () => world.records(),
        slackMessages: () => [...messages],
        expireTokens: kroton.expireTokens,
        advanceDay: (days = 1) => world.advanceDay(days),
        today: world.today,
        seed: (cpf, record) => world.seed(cpfDigits(cpf), record),
        close: () => {
          closed ??= new Promise<void>((done) => {
            for (const res of hung) res.destroy()
            server.close(() => done())
            server.closeAllConnections()
          })
          return closed
        }
      })
    })
  })
}

/** The sandbox as a scoped resource: closed (hung requests included) when the scope closes. */
export const acquireSandbox = (options?: SandboxOptions): Effect.Effect<SandboxHandle, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => startSandbox(options)), (handle) => Effect.promise(() => handle.close()))

export const Sandbox = { start: startSandbox, acquire: acquireSandbox } as const
