// Kroton's ingresso API (contract section 3): OAuth2 client credentials, lookups by CPF and code, register.
import { randomBytes } from "node:crypto"
import type { CatalogOffer } from "./Catalog.ts"
import { cpfDigits } from "./Cpf.ts"
import { bearerToken, type Exchange, parseJson, type RouteSpec } from "./Exchange.ts"
import { checkRegister } from "./RegisterValidation.ts"
import { responseOf, type WorldState } from "./World.ts"

export const krotonRoutes: ReadonlyArray<RouteSpec> = [
  { name: "token", method: "POST", template: "/oauth2/token", pattern: /^\/oauth2\/token$/ },
  {
    name: "inscriptionsByCpf",
    method: "GET",
    template: "/ms/inscricao/v4/captacao/inscricao/cpf/{cpf}",
    pattern: /^\/ms\/inscricao\/v4\/captacao\/inscricao\/cpf\/([^/]+)$/
  },
  {
    name: "matriculasByCpf",
    method: "GET",
    template: "/ms/matricula/captacao/v1/ms/matricula/candidato/cpf/{cpf}",
    pattern: /^\/ms\/matricula\/captacao\/v1\/ms\/matricula\/candidato\/cpf\/([^/]+)$/
  },
  {
    name: "inscriptionByCode",
    method: "GET",
    template: "/ms/inscricao/v4/captacao/inscricao/{inscricaoId}/sistema/{sistema}",
    pattern: /^\/ms\/inscricao\/v4\/captacao\/inscricao\/([^/]+)\/sistema\/([^/]+)$/
  },
  {
    name: "register",
    method: "POST",
    template: "/ms/inscricao/v4/captacao/inscricao",
    pattern: /^\/ms\/inscricao\/v4\/captacao\/inscricao$/
  }
]

export interface KrotonOptions {
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  readonly tokenTtlSeconds: number
  readonly now: () => number
  readonly world: WorldState
  readonly catalog: ReadonlyMap<string, CatalogOffer>
}

export interface KrotonState {
  readonly handle: (ex: Exchange, route: string, params: ReadonlyArray<string>) => void
  readonly expireTokens: () => void
  /** register POSTs that reached the handler (any outcome), per CPF */
  readonly postsByCpf: ReadonlyMap<string, number>
}

const errorBody = (message: string, errors: ReadonlyArray<string>) => ({ success: false, status: "ERROR", message, errors })

/** client_id/client_secret from the form body or, as many OAuth2 clients send them, HTTP Basic. */
const clientCredentials = (ex: Exchange, form: URLSearchParams): { id: string | null; secret: string | null } => {
  const basic = /^Basic\s+(\S+)$/i.exec(ex.headers.authorization ?? "")
  if (basic?.[1]) {
    const [id, ...rest] = Buffer.from(basic[1], "base64").toString("utf8").split(":")
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(rest.join(":")) }
  }
  return { id: form.get("client_id"), secret: form.get("client_secret") }
}

export const makeKroton = (options: KrotonOptions): KrotonState => {
  const tokens = new Map<string, number>() // token -> expires at (ms)
  const postsByCpf = new Map<string, number>()
  const { world } = options

  const token = (ex: Exchange) => {
    const form = new URLSearchParams(ex.body)
    const { id, secret } = clientCredentials(ex, form)
    if (id !== options.clientId || secret !== options.clientSecret) {
      ex.json(401, { error: "invalid_client", error_description: "Client authentication failed" })
      return
    }
    if (form.get("grant_type") !== "client_credentials") {
      ex.json(400, { error: "unsupported_grant_type" })
      return
    }
    const scope = form.get("scope")
    if (scope !== null && scope !== "" && !scope.split(" ").every((s) => s === options.scope)) {
      ex.json(400, { error: "invalid_scope" })
      return
    }
    const accessToken = randomBytes(18).toString("base64url")
    tokens.set(accessToken, options.now() + options.tokenTtlSeconds * 1000)
    ex.json(200, {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: options.tokenTtlSeconds,
      scope: options.scope
    }, { "cache-control": "no-store" })
  }

  const register = (ex: Exchange) => {
    const parsed = parseJson(ex.body)
    if (!parsed.ok) {
      ex.json(400, errorBody("JSON inválido", ["body: not valid JSON"]))
      return
    }
    const rawCpf = (parsed.value as { dadosPessoais?: { cpf?: unknown } } | null)?.dadosPessoais?.cpf
    const digits = typeof rawCpf === "string" ? cpfDigits(rawCpf) : ""
    if (digits.length === 11) postsByCpf.set(digits, (postsByCpf.get(digits) ?? 0) + 1)

    const answer = (status: number, body: unknown) => {
      // post-then-fail: whatever happened above stands, but the client never hears about it
      if (ex.fault === "post-then-fail") {
        if (ex.postThenFail === "reset") ex.reset()
        else ex.json(500, { error: "internal_error", message: "Unexpected error" })
        return
      }
      ex.json(status, body)
    }

    const check = checkRegister(parsed.value, options.catalog, world.today())
    if (check._tag === "Invalid") {
      answer(check.status, errorBody(check.message, check.errors))
      return
    }
    if (world.hasInscription(digits)) {
      answer(409, errorBody("CPF já possui inscrição", ["dadosPessoais.cpf: already inscribed"]))
      return
    }
    const first = check.offers[0]!
    const record = world.create({
      cpf: digits,
      sistema: first.sistema,
      curso: first.dsCurso,
      unidade: first.nmUnidade ?? String(first.idUnidadeOrigem ?? ""),
      offerIds: check.offers.map((o) => o.id)
    })
    answer(201, responseOf(record))
  }

  const handle = (ex: Exchange, route: string, params: ReadonlyArray<string>) => {
    if (route === "token") return token(ex)
    const bearer = bearerToken(ex.headers)
    const expiresAt = bearer === undefined ? undefined : tokens.get(bearer)
    if (expiresAt === undefined || expiresAt <= options.now()) {
      ex.json(401, { error: "invalid_token", error_description: "The access token is invalid or has expired" })
      return
    }
    switch (route) {
      case "inscriptionsByCpf":
      case "matriculasByCpf": {
        const cpf = params[0] ?? ""
        if (!/^\d{11}$/.test(cpf)) {
          ex.json(400, errorBody("CPF inválido", ["cpf: expected 11 digits"]))
          return
        }
        if (route === "inscriptionsByCpf") {
          const inscricoes = world.inscriptionsOf(cpf)
          if (inscricoes.length === 0) ex.json(404, { success: false, message: "Nenhuma inscrição encontrada" })
          else ex.json(200, { inscricoes })
        } else {
          const matriculas = world.matriculasOf(cpf)
          if (matriculas.length === 0) ex.json(404, { success: false, message: "Nenhuma matrícula encontrada" })
          else ex.json(200, { matriculas })
        }
        return
      }
      case "inscriptionByCode": {
        const found = world.poll(params[0] ?? "", params[1] ?? "")
        if (found) ex.json(200, found)
        else ex.json(404, { success: false, message: "Inscrição não encontrada" })
        return
      }
      case "register":
        return register(ex)
    }
  }

  return {
    handle,
    expireTokens: () => {
      for (const t of tokens.keys()) tokens.set(t, Number.NEGATIVE_INFINITY)
    },
    postsByCpf
  }
}
