import { assert, describe, it } from "@effect/vitest"
import { defaultEnrollmentSettings, EnrollmentNotReady, enrollmentPayload, maskedPayload } from "../../src/domain/Enrollment.ts"
import type { LeadRecord } from "../../src/domain/LeadRecord.ts"
import { maskCpf, maskEmail, maskPhone } from "../../src/domain/Mask.ts"

const lead: LeadRecord = {
  id: 1,
  cpf: "37845760870",
  status: "to_register",
  userName: "Mauricio Matsoui",
  email: "mauricio.matsoui@redealumni.com",
  birthday: "1989-08-31",
  gender: "M",
  areaCode: "11",
  phoneNumber: "975405666",
  rg: "20000000",
  cep: "12243740",
  street: "Rua Pedro de Toledo",
  addressNumber: "48",
  city: "São José dos Campos",
  state: "SP",
  courseName: "DIREITO",
  courseType: "GRADUACAO",
  modality: "PRESENCIAL",
  unitId: 102,
  monthlyPrice: 899,
  captationPeriod: 20271,
  lastCheck: null
}
const offers = [
  { option: 2, offerId: "second", sistema: "OLIMPO", registrationEndsOn: "2027-02-01" },
  { option: 1, offerId: "1093731-446-52505-580-872433-11342-100", sistema: "OLIMPO", registrationEndsOn: "2027-01-01" }
] as const

describe("enrollment payload", () => {
  it("is exactly the contract's shape and values", () => {
    assert.deepStrictEqual(enrollmentPayload(lead, offers, defaultEnrollmentSettings), {
      dadosPessoais: {
        celular: "11975405666",
        cpf: "378.457.608-70",
        dataNascimento: "1989-08-31",
        email: "mauricio.matsoui@redealumni.com",
        endereco: { cep: "12243-740", logradouro: "Rua Pedro de Toledo", municipio: "São José dos Campos", numero: "48", uf: "SP" },
        necessidadesEspeciais: [],
        nome: "Mauricio Matsoui",
        rg: "20000000",
        sexo: "M"
      },
      inscricao: {
        canalVendas: { id: 85 },
        idAfiliado: "DL00QUERO12991",
        idTipoProva: 1,
        ofertas: { primeiraOpcao: { id: "1093731-446-52505-580-872433-11342-100" }, segundaOpcao: { id: "second" } }
      }
    })
  })
  it("a lead without gender or without its first offer is not ready", () => {
    const noGender = enrollmentPayload({ ...lead, gender: null }, offers, defaultEnrollmentSettings)
    assert.instanceOf(noGender, EnrollmentNotReady)
    assert.strictEqual((noGender as EnrollmentNotReady).reason, "no_gender")
    const noOffer = enrollmentPayload(lead, [offers[0]], defaultEnrollmentSettings)
    assert.strictEqual((noOffer as EnrollmentNotReady).reason, "missing_offer")
  })
  it("the dry-run view masks CPF, e-mail and phone", () => {
    const payload = enrollmentPayload(lead, offers, defaultEnrollmentSettings)
    if (payload instanceof EnrollmentNotReady) return assert.fail("not ready")
    const text = JSON.stringify(maskedPayload(payload, { cpf: maskCpf, email: maskEmail, phone: maskPhone }))
    assert.notInclude(text, "378.457.608-70")
    assert.notInclude(text, "mauricio.matsoui@")
    assert.notInclude(text, "975405666")
  })
})
