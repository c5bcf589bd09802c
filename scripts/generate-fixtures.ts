// Deterministic sample exports (seeded PRNG): `npm run fixtures` writes fixtures/leads.csv and
// fixtures/leads.jsonl (about 50 rows, 6 broken on purpose, one CPF repeated with other punctuation);
// `writeLeadsFile` streams N generated rows to a file (benchmark, 100k test) without holding them in memory.
import { once } from "node:events"
import { createWriteStream, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { columns, type Column } from "../src/domain/Lead.ts"

export type ExportRow = Record<Column, string>

/** mulberry32: small, fast, good enough for fixtures; same seed -> same file. */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
type Rng = ReturnType<typeof prng>
const pick = <A>(rng: Rng, items: ReadonlyArray<A>): A => items[Math.floor(rng() * items.length)]!
const digits = (rng: Rng, n: number) => {
  let s = ""
  for (let i = 0; i < n; i++) s += Math.floor(rng() * 10)
  return s
}

const femaleNames = ["Maria", "Ana", "Juliana", "Fernanda", "Beatriz", "Camila", "Larissa", "Patrícia", "Aline", "Bruna", "Letícia", "Gabriela", "Vitória", "Sônia", "Luíza", "Francisca", "Adriana"]
const maleNames = ["João", "José", "Pedro", "Lucas", "Gabriel", "Rafael", "Matheus", "Carlos", "Thiago", "Felipe", "Bruno", "Antônio", "Guilherme", "Diego", "Raimundo", "Sebastião"]
/** names the census cannot settle with confidence */
const unisexNames = ["Darci", "Ariel", "Juraci", "Alcione", "Valdeci", "Iraci"]
const surnames = ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Araújo", "Nascimento", "Conceição", "D'Ávila"]
const domains = ["gmail.com", "hotmail.com", "yahoo.com.br", "outlook.com", "uol.com.br", "bol.com.br"]
const streets = ["Rua das Flores", "Avenida Brasil", "Rua Sete de Setembro", "Rua XV de Novembro", "Avenida Paulista", "Rua Pedro de Toledo", "Rua Tiradentes", "Rua Dom Pedro II, bloco B", "Travessa São José", "Avenida Getúlio Vargas", "Rua \"Beco do Sol\""]
/** city, UF, DDD, first CEP digits */
const places: ReadonlyArray<readonly [string, string, string, string]> = [
  ["São Paulo", "SP", "11", "01"], ["Campinas", "SP", "19", "13"], ["São José dos Campos", "SP", "12", "12"],
  ["Rio de Janeiro", "RJ", "21", "20"], ["Belo Horizonte", "MG", "31", "30"], ["Salvador", "BA", "71", "40"],
  ["Recife", "PE", "81", "50"], ["Fortaleza", "CE", "85", "60"], ["Porto Alegre", "RS", "51", "90"],
  ["Curitiba", "PR", "41", "80"], ["Manaus", "AM", "92", "69"], ["Belém", "PA", "91", "66"],
  ["Goiânia", "GO", "62", "74"], ["Brasília", "DF", "61", "70"], ["São Luís", "MA", "98", "65"],
  ["Natal", "RN", "84", "59"], ["Florianópolis", "SC", "48", "88"], ["Cuiabá", "MT", "65", "78"],
  ["Campo Grande", "MS", "67", "79"], ["Teresina", "PI", "86", "64"], ["João Pessoa", "PB", "83", "58"],
  ["Maceió", "AL", "82", "57"], ["Aracaju", "SE", "79", "49"], ["Vitória", "ES", "27", "29"],
  ["Palmas", "TO", "63", "77"], ["Porto Velho", "RO", "69", "76"], ["Rio Branco", "AC", "68", "69"],
  ["Macapá", "AP", "96", "68"], ["Boa Vista", "RR", "95", "69"]
]

interface Interest {
  readonly courseName: string
  readonly courseType: string
  readonly modality: string
  readonly unitId: number
  readonly monthlyPrice: number
}
const fixturesDirectory = fileURLToPath(new URL("../fixtures/", import.meta.url))
const courseInterests = (): { readonly captationPeriod: number; readonly interests: ReadonlyArray<Interest> } =>
  JSON.parse(readFileSync(join(fixturesDirectory, "course-interests.json"), "utf8"))

const cpfDigit = (base: string) => {
  let sum = 0
  for (let i = 0; i < base.length; i++) sum += Number(base[i]) * (base.length + 1 - i)
  const rest = sum % 11
  return rest < 2 ? 0 : 11 - rest
}
/** 9 base digits -> the 11-digit CPF with its check digits. */
export const cpfFromBase = (base9: string) => {
  const d1 = cpfDigit(base9)
  return base9 + d1 + cpfDigit(base9 + d1)
}
export const punctuateCpf = (cpf: string) => `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`

const ascii = (s: string) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z]/g, "").toLowerCase()

/**
 * Row `index` of a generated export. CPFs are distinct for distinct indexes (an affine bijection of
 * 0..10^9-1); the rest comes from `rng`. `today` bounds the birthdays (ages 16 to 66).
 */
export const generateRow = (rng: Rng, index: number, interests: ReadonlyArray<Interest>, captationPeriod: number, todayYear: number): ExportRow => {
  const kind = rng()
  const first = kind < 0.45 ? pick(rng, femaleNames) : kind < 0.9 ? pick(rng, maleNames) : pick(rng, unisexNames)
  const fixedGender = femaleNames.includes(first) ? "F" : maleNames.includes(first) ? "M" : pick(rng, ["M", "F"])
  const last = `${pick(rng, surnames)} ${pick(rng, surnames)}`
  const base = String((index * 387_420_489 + 123_456_789) % 1_000_000_000).padStart(9, "0")
  const cpf = cpfFromBase(base)
  const [city, state, ddd, cepPrefix] = pick(rng, places)
  const interest = interests[index % interests.length]!
  const year = todayYear - 16 - Math.floor(rng() * 50)
  const month = 1 + Math.floor(rng() * 12)
  const day = 1 + Math.floor(rng() * 28)
  const pad = (n: number) => String(n).padStart(2, "0")
  const mobile = rng() < 0.85
  const phone = mobile ? `9${digits(rng, 8)}` : `3${digits(rng, 7)}`
  const rg = digits(rng, 9)
  return {
    name: `${first} ${last}`,
    cpf: rng() < 0.5 ? punctuateCpf(cpf) : cpf,
    email: `${ascii(first)}.${ascii(last.split(" ")[0]!)}${index}@${pick(rng, domains)}`,
    birthday: rng() < 0.7 ? `${year}-${pad(month)}-${pad(day)}` : `${pad(day)}/${pad(month)}/${year}`,
    // many rows without gender, so that fixData has work
    gender: rng() < 0.35 ? fixedGender : "",
    area_code: ddd,
    phone_number: rng() < 0.3 ? `${phone.slice(0, -4)}-${phone.slice(-4)}` : phone,
    rg: rng() < 0.3 ? `${rg.slice(0, 2)}.${rg.slice(2, 5)}.${rg.slice(5, 8)}-${rg.slice(8)}` : rg,
    cep: rng() < 0.5 ? `${cepPrefix}${digits(rng, 3)}-${digits(rng, 3)}` : `${cepPrefix}${digits(rng, 6)}`,
    street: pick(rng, streets),
    number: rng() < 0.08 ? "S/N" : String(1 + Math.floor(rng() * 3000)),
    city,
    state,
    course_name: interest.courseName,
    course_type: interest.courseType,
    modality: interest.modality,
    unit_id: String(interest.unitId),
    monthly_price: String(interest.monthlyPrice),
    captation_period: String(captationPeriod)
  }
}

/** Ways to break a row on purpose, one rule each; `code` is the reason the import must report. */
export const breakages: ReadonlyArray<{ readonly code: string; readonly apply: (row: ExportRow) => ExportRow }> = [
  {
    code: "cpf_check_digits",
    apply: (r) => {
      const d = r.cpf.replace(/\D/g, "")
      return { ...r, cpf: d.slice(0, 10) + ((Number(d[10]) + 1) % 10) }
    }
  },
  { code: "cpf_repeated_digits", apply: (r) => ({ ...r, cpf: "111.111.111-11" }) },
  { code: "birthday_format", apply: (r) => ({ ...r, birthday: "31/02/2001" }) },
  { code: "birthday_under_14", apply: (r) => ({ ...r, birthday: "2024-05-10" }) },
  { code: "state_invalid", apply: (r) => ({ ...r, state: "XX" }) },
  { code: "email_missing", apply: (r) => ({ ...r, email: "" }) }
]

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, "\"\"")}"` : value)
export const csvLine = (row: ExportRow, order: ReadonlyArray<Column> = columns) => order.map((c) => csvField(row[c])).join(",") + "\n"

export type ExportFormat = "csv" | "jsonl"

export interface GeneratedFile {
  readonly rows: number
  /** rows broken on purpose, by the reason code the import should report */
  readonly invalid: Readonly<Record<string, number>>
}

/**
 * Streams `rows` generated rows to `path` (CSV with header, or JSON Lines), honouring back-pressure so that
 * memory stays flat. One row in `invalidEvery` (0 = none) is broken, cycling through `breakages`.
 */
export const writeLeadsFile = async (path: string, options: {
  readonly rows: number
  readonly seed?: number
  readonly format?: ExportFormat
  readonly invalidEvery?: number
  readonly todayYear?: number
}): Promise<GeneratedFile> => {
  const { captationPeriod, interests } = courseInterests()
  const rng = prng(options.seed ?? 42)
  const format = options.format ?? "csv"
  const todayYear = options.todayYear ?? new Date().getUTCFullYear()
  const out = createWriteStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })
  const invalid: Record<string, number> = {}
  let chunk = format === "csv" ? columns.join(",") + "\n" : ""
  let broken = 0
  for (let i = 0; i < options.rows; i++) {
    let row = generateRow(rng, i, interests, captationPeriod, todayYear)
    if (options.invalidEvery !== undefined && options.invalidEvery > 0 && i % options.invalidEvery === options.invalidEvery - 1) {
      const breakage = breakages[broken++ % breakages.length]!
      row = breakage.apply(row)
      invalid[breakage.code] = (invalid[breakage.code] ?? 0) + 1
    }
    chunk += format === "csv" ? csvLine(row) : JSON.stringify(row) + "\n"
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, "drain")
      chunk = ""
    }
  }
  out.end(chunk)
  await once(out, "finish")
  return { rows: options.rows, invalid }
}

/** The committed sample: 50 rows. Lines (1 = header): 8-13 broken on purpose, 41 repeats line 21's CPF. */
export const sampleRows = (): ReadonlyArray<ExportRow> => {
  const { captationPeriod, interests } = courseInterests()
  const rng = prng(2027)
  // a fixed year, so the committed file does not depend on the day it was generated
  const rows: Array<ExportRow> = []
  for (let i = 0; i < 49; i++) rows.push(generateRow(rng, i, interests, captationPeriod, 2026))
  // the unisex names appear at least a few times, some without gender
  const rename = (i: number, name: string, gender: string) => {
    const [first, last] = name.split(" ")
    rows[i] = { ...rows[i]!, name, gender, email: `${ascii(first!)}.${ascii(last!)}${i}@${pick(rng, domains)}` }
  }
  rename(2, "Darci Ferreira Lima", "")
  rename(3, "Ariel Souza Costa", "")
  rename(4, "Juraci Alves", "F")
  breakages.forEach((b, k) => {
    rows[6 + k] = b.apply(rows[6 + k]!)
  })
  // the same person again, CPF with the other punctuation and a new phone: the later line wins
  const again = rows[19]!
  const digitsOnly = again.cpf.replace(/\D/g, "")
  rows.splice(39, 0, {
    ...again,
    cpf: again.cpf.includes(".") ? digitsOnly : punctuateCpf(digitsOnly),
    phone_number: "988776655"
  })
  return rows
}

const main = async () => {
  const rows = sampleRows()
  const csv = columns.join(",") + "\n" + rows.map((r) => csvLine(r)).join("")
  const jsonl = rows.map((r) => JSON.stringify(r)).join("\n") + "\n"
  const { writeFileSync } = await import("node:fs")
  writeFileSync(join(fixturesDirectory, "leads.csv"), csv)
  writeFileSync(join(fixturesDirectory, "leads.jsonl"), jsonl)
  console.log(`wrote ${rows.length} rows to ${join(dirname(fixturesDirectory), "fixtures")}/leads.{csv,jsonl}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
