// IBGE's names API (servicodados.ibge.gov.br/api/v2/censos/nomes/{nome}?sexo=M|F), for a handful of rare
// names that the census table shipped with the project does not have, so a client's API fallback can be tested.
import type { Exchange, RouteSpec } from "./Exchange.ts"

export const ibgePath = "/api/v2/censos/nomes"

export const ibgeRoutes: ReadonlyArray<RouteSpec> = [
  { name: "names", method: "GET", template: `${ibgePath}/{nome}`, pattern: /^\/api\/v2\/censos\/nomes\/([^/]+)$/ }
]

const periods = [
  "1930[",
  "[1930,1940[",
  "[1940,1950[",
  "[1950,1960[",
  "[1960,1970[",
  "[1970,1980[",
  "[1980,1990[",
  "[1990,2000[",
  "[2000,2010["
] as const

/** Invented rare names (checked absent from the census table), with frequencies per decade for each sex. */
export const rareNames: Readonly<Record<string, { readonly M: ReadonlyArray<number>; readonly F: ReadonlyArray<number> }>> = {
  JOELVAN: { M: [0, 0, 0, 0, 12, 31, 58, 44, 21], F: [] },
  KAUEVAN: { M: [0, 0, 0, 0, 0, 0, 0, 19, 64], F: [] },
  BRISVALDO: { M: [0, 0, 11, 23, 37, 29, 14, 0, 0], F: [] },
  YARANICE: { M: [], F: [0, 0, 0, 15, 42, 53, 27, 12, 0] },
  WENDELINA: { M: [], F: [14, 22, 31, 18, 11, 0, 0, 0, 0] },
  JANDERCLEIA: { M: [], F: [0, 0, 0, 0, 0, 24, 71, 38, 13] },
  THAYNARICE: { M: [], F: [0, 0, 0, 0, 0, 0, 0, 33, 87] },
  KLEYTIANE: { M: [], F: [0, 0, 0, 0, 0, 17, 46, 29, 0] },
  // ambiguous: about 62% women, so a client with a high threshold should stay undecided
  KAELYN: { M: [0, 0, 0, 0, 0, 0, 0, 14, 47], F: [0, 0, 0, 0, 0, 0, 0, 21, 79] }
}

const normalise = (name: string) => name.normalize("NFD").replace(/\p{M}/gu, "").trim().toUpperCase()

const series = (frequencies: ReadonlyArray<number>) =>
  frequencies.flatMap((frequencia, i) => (frequencia > 0 ? [{ periodo: periods[i]!, frequencia }] : []))

export const ibgeAnswer = (names: string, sexo: string | null): ReadonlyArray<unknown> =>
  names.split("|").flatMap((raw) => {
    const nome = normalise(raw)
    const entry = rareNames[nome]
    if (!entry) return []
    const frequencies = sexo === "M" ? entry.M : sexo === "F" ? entry.F : entry.M.length >= entry.F.length
      ? entry.M.map((m, i) => m + (entry.F[i] ?? 0))
      : entry.F.map((f, i) => f + (entry.M[i] ?? 0))
    const res = series(frequencies)
    return res.length === 0 ? [] : [{ nome, sexo: sexo === "M" || sexo === "F" ? sexo : null, localidade: "BR", res }]
  })

export const ibgeHandler = (ex: Exchange, params: ReadonlyArray<string>): void => {
  const sexo = ex.query.get("sexo")
  if (sexo !== null && sexo !== "M" && sexo !== "F" && sexo !== "m" && sexo !== "f") {
    ex.json(400, { message: "Parâmetro sexo inválido: use M ou F" })
    return
  }
  ex.json(200, ibgeAnswer(params[0] ?? "", sexo === null ? null : sexo.toUpperCase()))
}
