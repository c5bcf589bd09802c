// Helpers for the sandbox tests: a sandbox on a fixed calendar, tokens, payloads and CPFs of a known fate.
import { readFileSync } from "node:fs"
import type { EnrollmentPayload } from "../../src/domain/KrotonWire.ts"
import type { CatalogOffer } from "../../src/sandbox/Catalog.ts"
import { cpfFromBase, formatCpf } from "../../src/sandbox/Cpf.ts"
import { defaultCatalogPath } from "../../src/sandbox/Fixtures.ts"
import { registerOutcomeFor, type SandboxHandle, type SandboxOptions, startSandbox } from "../../src/sandbox/Sandbox.ts"
import type { RegisterOutcome } from "../../src/sandbox/World.ts"

export const TODAY = "2026-12-01"

interface RawOffer extends CatalogOffer {
  readonly _decoy?: string
}
/** fixtures/catalog.json as written, decoys marked. */
export const rawCatalog: ReadonlyArray<RawOffer> = (JSON.parse(readFileSync(defaultCatalogPath, "utf8")) as {
  offers: Array<RawOffer>
}).offers

const administracao = rawCatalog.filter((o) => o.dsCurso === "ADMINISTRACAO" && o.idUnidadeOrigem === 101)
/** Offers of the ADMINISTRACAO interest (unit 101): open ones, and decoys that are inactive or closed. */
export const offers = {
  open1: administracao.filter((o) => !o._decoy)[0]!.id,
  open2: administracao.filter((o) => !o._decoy)[1]!.id,
  inactive: administracao.find((o) => o._decoy === "inactive")!.id,
  closed: administracao.find((o) => o._decoy?.startsWith("closed"))!.id
}

export const start = (options: SandboxOptions = {}): Promise<SandboxHandle> => startSandbox({ today: TODAY, ...options })

export const tokenRequest = (sandbox: SandboxHandle, secret = sandbox.clientSecret) =>
  fetch(`${sandbox.krotonUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: sandbox.clientId,
      client_secret: secret,
      scope: sandbox.scope
    })
  })

export const getToken = async (sandbox: SandboxHandle): Promise<string> => {
  const res = await tokenRequest(sandbox)
  const body = (await res.json()) as { access_token: string }
  return body.access_token
}

export const krotonGet = (sandbox: SandboxHandle, token: string, path: string) =>
  fetch(`${sandbox.krotonUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })

export const registerPost = (sandbox: SandboxHandle, token: string, payload: unknown) =>
  fetch(`${sandbox.krotonUrl}/ms/inscricao/v4/captacao/inscricao`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(payload)
  })

export const catalogSearch = (sandbox: SandboxHandle, body: unknown, headers: Record<string, string> = {}) =>
  fetch(sandbox.catalogUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** The n-th valid CPF (11 digits) whose register outcome is `wanted`. */
export const cpfWithOutcome = (wanted: RegisterOutcome, n = 0, from = 100_000_000): string => {
  let found = 0
  for (let base = from; ; base++) {
    const cpf = cpfFromBase(String(base))
    const o = registerOutcomeFor(cpf)
    if (o.initial === wanted.initial && o.settlesTo === wanted.settlesTo && found++ === n) return cpf
  }
}

export const payloadFor = (cpfDigits: string, firstOffer: string, secondOffer?: string): EnrollmentPayload => ({
  dadosPessoais: {
    celular: "11975405666",
    cpf: formatCpf(cpfDigits),
    dataNascimento: "1989-08-31",
    email: "aluno@example.com",
    endereco: { cep: "12243-740", logradouro: "Rua Pedro de Toledo", municipio: "São José dos Campos", numero: "48", uf: "SP" },
    necessidadesEspeciais: [],
    nome: "Aluno de Teste",
    rg: "20000000",
    sexo: "M"
  },
  inscricao: {
    canalVendas: { id: 85 },
    idAfiliado: "DL00QUERO12991",
    idTipoProva: 1,
    ofertas: { primeiraOpcao: { id: firstOffer }, ...(secondOffer ? { segundaOpcao: { id: secondOffer } } : {}) }
  }
})
