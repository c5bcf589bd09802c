// Builds data/census-first-names.tsv.gz, the first-name table GenderCensus loads, from the IBGE census
// compilation in /work/shared/data/ibge-first-names-gender.tsv.gz (IBGE, Censo Demográfico 2010 and 2022,
// "Nomes no Brasil"; columns nome, prob_fem10, prob_fem22). Re-runnable: same input, same bytes out.
//
//   npx tsx scripts/build-census-table.ts [input.tsv.gz] [output.tsv.gz]
//
// Output: one line per name, sorted by name, front-coded to keep the shipped file small (252 KB instead of 402 KB
// gzipped): "<length of the prefix shared with the previous name><rest of the name><TAB><female share in
// thousandths, 0..1000>". "maria 999" after "mari" is "4a\t999". src/services/GenderCensus.ts reads it.
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync, gzipSync } from "node:zlib"

const input = process.argv[2] ?? "/work/shared/data/ibge-first-names-gender.tsv.gz"
const output = process.argv[3] ?? fileURLToPath(new URL("../data/census-first-names.tsv.gz", import.meta.url))

const share = (cell: string | undefined): number | undefined => {
  if (cell === undefined || cell.trim() === "") return undefined
  const x = Number(cell)
  return Number.isFinite(x) && x >= 0 && x <= 1 ? x : undefined
}

// Both censuses count mostly the same living adults (our leads are 17 to 45 years old, born before 2010), so they
// are two measurements of one population: the mean halves the sampling noise of rare names, and a name that one
// census lacks takes the other's figure. The file has no counts, so a weighted mean is not possible.
const combine = (f10: number | undefined, f22: number | undefined): number | undefined =>
  f10 === undefined ? f22 : f22 === undefined ? f10 : (f10 + f22) / 2

// Thousandths, rounded towards one half: rounding can make a name less decided, never more, so a name just
// under the 0.9 threshold (0.8996) stays undecided.
const thousandths = (x: number): number => (x >= 0.5 ? Math.floor(x * 1000 + 1e-9) : Math.ceil(x * 1000 - 1e-9))

const lines = gunzipSync(readFileSync(input)).toString("utf8").split("\n")
const table = new Map<string, number>()
let dropped = 0
for (const line of lines.slice(1)) {
  if (line.trim() === "") continue
  const [name, p10, p22] = line.split("\t")
  const f = combine(share(p10), share(p22))
  // names with broken characters ("jo?o") can never match a normalised first name; no share: nothing to say
  if (name === undefined || !/^[a-z]+$/.test(name) || f === undefined || table.has(name)) {
    dropped++
    continue
  }
  table.set(name, thousandths(f))
}

const sharedPrefix = (a: string, b: string): number => {
  let k = 0
  while (k < a.length && k < b.length && a[k] === b[k]) k++
  return k
}
const names = [...table.keys()].sort()
const body = names.map((name, i) => {
  const k = i === 0 ? 0 : sharedPrefix(names[i - 1]!, name)
  return `${k}${name.slice(k)}\t${table.get(name)}\n`
}).join("")
const gz = gzipSync(body, { level: 9 })
writeFileSync(output, gz)

const decided = [...table.values()].filter((t) => t >= 900 || t <= 100).length
console.log(`${output}: ${table.size} names (${dropped} dropped), ${body.length} bytes, ${gz.length} bytes gzipped`)
console.log(`decided at 0.9: ${decided} (${((decided / table.size) * 100).toFixed(1)}%)`)
