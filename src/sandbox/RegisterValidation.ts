// Kroton's checks on the register POST (contract section 3): the payload's shape (400) and its values (422).
import { Result, Schema, SchemaIssue } from "effect"
import { EnrollmentPayload } from "../domain/KrotonWire.ts"
import { isValidCpf } from "./Cpf.ts"
import type { CatalogOffer } from "./Catalog.ts"

export type RegisterCheck =
  | { readonly _tag: "Valid"; readonly payload: EnrollmentPayload; readonly offers: ReadonlyArray<CatalogOffer> }
  | { readonly _tag: "Invalid"; readonly status: 400 | 422; readonly message: string; readonly errors: ReadonlyArray<string> }

const ufs = new Set(
  "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split(" ")
)

// Messages never echo the value received: they name the field and the rule.
const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) => {
    switch (issue._tag) {
      case "MissingKey":
        return "is required"
      case "InvalidType":
        return "has the wrong type"
      case "InvalidValue":
        return "has an invalid value"
      default:
        return "is invalid"
    }
  }
})

const decode = Schema.decodeUnknownResult(EnrollmentPayload, { errors: "all" })

const isRealDate = (s: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

const blank = (s: string): boolean => s.trim().length === 0

export const checkRegister = (
  body: unknown,
  catalog: ReadonlyMap<string, CatalogOffer>,
  today: string
): RegisterCheck => {
  const decoded = decode(body)
  if (Result.isFailure(decoded)) {
    const issues = formatter(decoded.failure.issue).issues
    return {
      _tag: "Invalid",
      status: 400,
      message: "Payload inválido",
      errors: issues.map((i) => `${(i.path ?? []).map(String).join(".") || "body"}: ${i.message}`)
    }
  }
  const payload = decoded.success
  const p = payload.dadosPessoais
  const errors: Array<string> = []
  if (!/^\d{3}\.\d{3}\.\d{3}-\d{2}$/.test(p.cpf)) errors.push("dadosPessoais.cpf: expected format 000.000.000-00")
  else if (!isValidCpf(p.cpf)) errors.push("dadosPessoais.cpf: invalid CPF (check digits)")
  if (!/^\d{5}-\d{3}$/.test(p.endereco.cep)) errors.push("dadosPessoais.endereco.cep: expected format 00000-000")
  if (!/^\d{10,11}$/.test(p.celular)) errors.push("dadosPessoais.celular: expected 10 or 11 digits (area code + number)")
  if (!isRealDate(p.dataNascimento)) errors.push("dadosPessoais.dataNascimento: expected a date YYYY-MM-DD")
  else if (p.dataNascimento < "1900-01-01" || p.dataNascimento > today) {
    errors.push("dadosPessoais.dataNascimento: out of range")
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p.email)) errors.push("dadosPessoais.email: invalid e-mail")
  if (blank(p.nome)) errors.push("dadosPessoais.nome: is required")
  if (blank(p.rg)) errors.push("dadosPessoais.rg: is required")
  if (blank(p.endereco.logradouro)) errors.push("dadosPessoais.endereco.logradouro: is required")
  if (blank(p.endereco.numero)) errors.push("dadosPessoais.endereco.numero: is required")
  if (blank(p.endereco.municipio)) errors.push("dadosPessoais.endereco.municipio: is required")
  if (!ufs.has(p.endereco.uf)) errors.push("dadosPessoais.endereco.uf: unknown state code")

  const i = payload.inscricao
  if (!Number.isInteger(i.canalVendas.id) || i.canalVendas.id <= 0) errors.push("inscricao.canalVendas.id: invalid")
  if (blank(i.idAfiliado)) errors.push("inscricao.idAfiliado: is required")
  if (!Number.isInteger(i.idTipoProva) || i.idTipoProva <= 0) errors.push("inscricao.idTipoProva: invalid")

  const offers: Array<CatalogOffer> = []
  const options = [["primeiraOpcao", i.ofertas.primeiraOpcao], ["segundaOpcao", i.ofertas.segundaOpcao]] as const
  for (const [name, option] of options) {
    if (option === undefined) continue
    const offer = catalog.get(option.id)
    if (!offer) errors.push(`inscricao.ofertas.${name}.id: unknown offer`)
    else if (!offer.ativa) errors.push(`inscricao.ofertas.${name}.id: offer inactive`)
    else if (offer.dtTerminoInscricao < today) errors.push(`inscricao.ofertas.${name}.id: registration closed`)
    else offers.push(offer)
  }
  if (i.ofertas.segundaOpcao && i.ofertas.segundaOpcao.id === i.ofertas.primeiraOpcao.id) {
    errors.push("inscricao.ofertas.segundaOpcao.id: same offer as primeiraOpcao")
  }
  return errors.length > 0
    ? { _tag: "Invalid", status: 422, message: "Dados inválidos", errors }
    : { _tag: "Valid", payload, offers }
}
