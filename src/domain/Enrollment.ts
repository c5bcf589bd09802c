// The register POST body for a lead (spec: EnrollmentPayload; values as contract section 3 pins them).
import type { EnrollmentPayload } from "./KrotonWire.ts"
import type { ChosenOffer, LeadRecord } from "./LeadRecord.ts"

export interface EnrollmentSettings {
  /** canalVendas.id (default 85) */
  readonly salesChannelId: number
  /** idAfiliado (default DL00QUERO12991) */
  readonly affiliateId: string
  /** idTipoProva (default 1) */
  readonly examTypeId: number
}

export const defaultEnrollmentSettings: EnrollmentSettings = {
  salesChannelId: 85,
  affiliateId: "DL00QUERO12991",
  examTypeId: 1
}

const formatCpf = (d: string) => `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9, 11)}`
const formatCep = (d: string) => `${d.slice(0, 5)}-${d.slice(5, 8)}`

export class EnrollmentNotReady extends Error {
  constructor(readonly reason: "no_gender" | "missing_offer") {
    super(reason === "no_gender" ? "lead has no gender" : "lead does not have its first offer")
  }
}

/** Builds the payload; a lead without gender or without a first offer cannot be posted (returns the reason). */
export const enrollmentPayload = (
  lead: LeadRecord,
  offers: ReadonlyArray<ChosenOffer>,
  settings: EnrollmentSettings
): EnrollmentPayload | EnrollmentNotReady => {
  if (lead.gender === null) return new EnrollmentNotReady("no_gender")
  const first = offers.find((o) => o.option === 1)
  const second = offers.find((o) => o.option === 2)
  if (first === undefined) return new EnrollmentNotReady("missing_offer")
  return {
    dadosPessoais: {
      celular: `${lead.areaCode}${lead.phoneNumber}`.replace(/\D/g, ""),
      cpf: formatCpf(lead.cpf),
      dataNascimento: lead.birthday,
      email: lead.email,
      endereco: {
        cep: formatCep(lead.cep),
        logradouro: lead.street,
        municipio: lead.city,
        numero: lead.addressNumber,
        uf: lead.state
      },
      necessidadesEspeciais: [],
      nome: lead.userName,
      rg: lead.rg,
      sexo: lead.gender
    },
    inscricao: {
      canalVendas: { id: settings.salesChannelId },
      idAfiliado: settings.affiliateId,
      idTipoProva: settings.examTypeId,
      ofertas: {
        primeiraOpcao: { id: first.offerId },
        ...(second === undefined ? {} : { segundaOpcao: { id: second.offerId } })
      }
    }
  }
}

/** The payload as shown in a dry-run: CPF, e-mail and phone masked. */
export const maskedPayload = (payload: EnrollmentPayload, mask: {
  readonly cpf: (s: string) => string
  readonly email: (s: string) => string
  readonly phone: (s: string) => string
}): EnrollmentPayload => ({
  ...payload,
  dadosPessoais: {
    ...payload.dadosPessoais,
    cpf: mask.cpf(payload.dadosPessoais.cpf),
    email: mask.email(payload.dadosPessoais.email),
    celular: mask.phone(payload.dadosPessoais.celular)
  }
})
