// Kroton's wire format (contract section 3) and the offer catalog's (section 4), as Schemas shared by the
// live clients (which decode answers with them) and the sandbox (which validates requests with them).
import { Schema } from "effect"

export const Sistema = Schema.Literals(["COLABORAR", "OLIMPO"])
export type Sistema = typeof Sistema.Type

// --- OAuth2 -------------------------------------------------------------------------------------------
export const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.String,
  expires_in: Schema.Number
})
export type TokenResponse = typeof TokenResponse.Type

export const OAuthError = Schema.Struct({ error: Schema.String })

// --- inscriptions / matriculas by CPF --------------------------------------------------------------------
export const Inscription = Schema.Struct({
  id: Schema.String,
  classificacao: Schema.Struct({ descricao: Schema.String }),
  curso: Schema.String,
  unidade: Schema.String,
  status: Schema.String,
  sistema: Sistema
})
export type Inscription = typeof Inscription.Type

export const InscriptionsByCpf = Schema.Struct({ inscricoes: Schema.Array(Inscription) })
export type InscriptionsByCpf = typeof InscriptionsByCpf.Type

export const Matricula = Schema.Struct({
  id: Schema.String,
  curso: Schema.String,
  unidade: Schema.String,
  status: Schema.String
})
export type Matricula = typeof Matricula.Type

export const MatriculasByCpf = Schema.Struct({ matriculas: Schema.Array(Matricula) })
export type MatriculasByCpf = typeof MatriculasByCpf.Type

// --- register / inscription by code ------------------------------------------------------------------------
export const InscriptionState = Schema.Literals(["NEW", "PROCESSING", "ERROR", "SUCCESS"])
export type InscriptionState = typeof InscriptionState.Type

export const EnrollmentResponse = Schema.Struct({
  success: Schema.Boolean,
  inscricaoId: Schema.optional(Schema.String),
  status: InscriptionState,
  message: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(Schema.String))
})
export type EnrollmentResponse = typeof EnrollmentResponse.Type

const Option = Schema.Struct({ id: Schema.String })

export const EnrollmentPayload = Schema.Struct({
  dadosPessoais: Schema.Struct({
    celular: Schema.String,
    cpf: Schema.String,
    dataNascimento: Schema.String,
    email: Schema.String,
    endereco: Schema.Struct({
      cep: Schema.String,
      logradouro: Schema.String,
      municipio: Schema.String,
      numero: Schema.String,
      uf: Schema.String
    }),
    necessidadesEspeciais: Schema.Array(Schema.Unknown),
    nome: Schema.String,
    rg: Schema.String,
    sexo: Schema.Literals(["M", "F"])
  }),
  inscricao: Schema.Struct({
    canalVendas: Schema.Struct({ id: Schema.Number }),
    idAfiliado: Schema.String,
    idTipoProva: Schema.Number,
    ofertas: Schema.Struct({
      primeiraOpcao: Option,
      segundaOpcao: Schema.optional(Option)
    })
  })
})
export type EnrollmentPayload = typeof EnrollmentPayload.Type

// --- offer catalog (Elasticsearch middleware) --------------------------------------------------------------
export const Offer = Schema.Struct({
  id: Schema.String,
  dsCurso: Schema.String,
  dsTipoCurso: Schema.String,
  dsModalidade: Schema.String,
  vlMensalidadeDe: Schema.Number,
  dtTerminoInscricao: Schema.String,
  ativa: Schema.Boolean,
  periodoCaptacao: Schema.Number,
  sistema: Sistema
})
export type Offer = typeof Offer.Type

export const CourseSearchResponse = Schema.Struct({
  hits: Schema.Struct({
    total: Schema.Struct({ value: Schema.Number }),
    hits: Schema.Array(Schema.Struct({ _source: Offer }))
  })
})
export type CourseSearchResponse = typeof CourseSearchResponse.Type

type Match = { readonly match: Readonly<Record<string, unknown>> }
type Term = { readonly term: Readonly<Record<string, unknown>> }
type Range = { readonly range: Readonly<Record<string, unknown>> }

export interface CourseSearchPayload {
  readonly size: number
  readonly query: { readonly bool: { readonly must: ReadonlyArray<Match | Term | Range> } }
}
