// `npm run bench:import [-- --rows N --writers W --batch B --worker --heap MB]`: generates an export of N rows (default 1,000,000)
// in bench/out/, imports it into a fresh schema on the real PostgreSQL (in a child process, to read its peak
// RSS), then loads the same file with psql's \copy into an empty table of text columns, and prints rows/s for
// each, the ratio and the import's peak RSS. Also times the database's own share: COPY into a staging table
// followed by the same kind of INSERT ... SELECT into subscriptions (+ transitions) inside PostgreSQL.
import { Effect, Layer, Logger, Redacted } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { importLeads } from "../src/actions/importLeads.ts"
import * as Database from "../src/db/Database.ts"
import { migrate } from "../src/db/Migrations.ts"
import { columns } from "../src/domain/Lead.ts"
import { LeadStore } from "../src/services/LeadStore.ts"
import { writeLeadsFile } from "../scripts/generate-fixtures.ts"

const url = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const psql = (command: string) =>
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-v", "ON_ERROR_STOP=1", "-qAtc", command], { encoding: "utf8" })
const seconds = (ms: number) => (ms / 1000).toFixed(2)

/** The child: imports `file` into `schema`, prints one JSON line with the report and its own peak RSS. */
const child = async (schema: string, file: string, writers: number, batchSize: number, worker: boolean) => {
  const db = Database.layerServer(Redacted.make(url), { searchPath: schema, maxConnections: writers + 1 })
  const program = importLeads(file, { writers, batchSize, worker }).pipe(
    Effect.provide(LeadStore.layer.pipe(Layer.provideMerge(db))),
    Effect.provide(Logger.layer([]))
  )
  const started = performance.now()
  const report = await Effect.runPromise(program)
  const elapsed = performance.now() - started
  console.log(JSON.stringify({ report, elapsed, maxRssKb: process.resourceUsage().maxRSS }))
}

const main = async () => {
  const rows = arg("rows", 1_000_000)
  const writers = arg("writers", 1)
  const batchSize = arg("batch", 5000)
  const worker = process.argv.includes("--worker")
  // optional V8 heap cap for the import (0 = none; the import already collects after each batch)
  const heapMb = arg("heap", 0)
  const out = fileURLToPath(new URL("./out/", import.meta.url))
  mkdirSync(out, { recursive: true })
  const file = `${out}leads-${rows}.csv`
  if (!existsSync(file)) {
    const t = performance.now()
    await writeLeadsFile(file, { rows, seed: 1, invalidEvery: 200 })
    console.log(`generated ${rows} rows (${(statSync(file).size / 2 ** 20).toFixed(0)} MB) in ${seconds(performance.now() - t)} s`)
  }
  const schema = `bench_import_${Date.now().toString(36)}`
  psql(`CREATE SCHEMA ${schema}`)
  try {
    await Effect.runPromise(migrate.pipe(Effect.provide(Database.layerServer(Redacted.make(url), { searchPath: schema, maxConnections: 1 }))))

    // 1. our import, in a child process (tsx is the parent of the node process that does the work)
    const line = await new Promise<string>((resolve, reject) => {
      const p = spawn("npx", ["tsx", fileURLToPath(import.meta.url), "child", schema, file, String(writers), String(batchSize), worker ? "worker" : "thread"], {
        stdio: ["ignore", "pipe", "inherit"],
        env: heapMb > 0 ? { ...process.env, NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --max-old-space-size=${heapMb}`.trim() } : process.env
      })
      let stdout = ""
      p.stdout.on("data", (d) => (stdout += d))
      p.on("exit", (code) => (code === 0 ? resolve(stdout.trim().split("\n").at(-1)!) : reject(new Error(`import child exited ${code}`))))
    })
    const result = JSON.parse(line) as { report: { rows: number; inserted: number; invalid: number }; elapsed: number; maxRssKb: number }

    // 2. COPY into an empty table of text columns (the floor: no parsing, validation, index or transition)
    psql(`CREATE TABLE ${schema}.copy_text (${columns.map((c) => `${c} text`).join(", ")})`)
    let t = performance.now()
    psql(`\\copy ${schema}.copy_text FROM '${file}' WITH (FORMAT csv, HEADER true)`)
    const copyMs = performance.now() - t

    // 3. the database's own share of the same work: from that staging table into subscriptions + transitions
    const sqlLoad = `SET search_path TO ${schema};
      WITH input AS (
        SELECT DISTINCT ON (cpf) * FROM (SELECT regexp_replace(cpf, '\\D', '', 'g') AS cpf, name, email, birthday, gender,
          area_code, phone_number, rg, cep, street, number, city, state, course_name, course_type, modality, unit_id,
          monthly_price, captation_period FROM copy_text) c
        WHERE cpf ~ '^[0-9]{11}$' AND birthday ~ '^[0-9]{4}-' AND length(regexp_replace(cep, '\\D', '', 'g')) = 8 AND state <> 'XX'
      ), ins AS (
        INSERT INTO subscriptions (cpf, status, user_name, email, birthday, gender, gender_source, area_code, phone_number,
          rg, cep, street, address_number, city, state, course_name, course_type, modality, unit_id, monthly_price,
          captation_period, source_file, source_line)
        SELECT cpf, 'to_sync', name, email, birthday::date, NULLIF(gender, ''), CASE WHEN gender = '' THEN NULL ELSE 'import' END,
          area_code, regexp_replace(phone_number, '\\D', '', 'g'), rg, regexp_replace(cep, '\\D', '', 'g'), street, number, city,
          state, course_name, course_type, modality, unit_id::int, monthly_price::numeric, captation_period::int, 'copy', 0
        FROM input ON CONFLICT DO NOTHING RETURNING id, status
      )
      INSERT INTO lead_transitions (subscription_id, from_status, to_status, reason, detail)
      SELECT id, NULL, status, 'import', jsonb_build_object('file', 'copy', 'line', 0) FROM ins;
      SELECT count(*) FROM subscriptions WHERE source_file = 'copy';`
    psql(`SET client_min_messages TO warning; TRUNCATE ${schema}.subscriptions CASCADE`)
    t = performance.now()
    const sqlRows = Number(execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qAt"], { input: sqlLoad, encoding: "utf8" }).trim().split("\n").at(-1))
    const sqlMs = performance.now() - t

    const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en-US")
    console.log(`rows in file                 ${rows.toLocaleString("en-US")} (${result.report.invalid} invalid on purpose), writers ${writers}, batch ${batchSize}, ${worker ? "worker thread" : "reading in the main thread"}, heap cap ${heapMb > 0 ? `${heapMb} MB` : "none"}`)
    console.log(`import (parse+validate+store) ${seconds(result.elapsed)} s  ${rate(rows, result.elapsed)} rows/s  (inserted ${result.report.inserted})`)
    console.log(`psql \\copy into text table   ${seconds(copyMs)} s  ${rate(rows, copyMs)} rows/s`)
    console.log(`ratio import / copy          ${(result.elapsed / copyMs).toFixed(2)}x`)
    console.log(`SQL-only load into subscriptions+transitions from the staging table (after COPY): ${seconds(sqlMs)} s for ${sqlRows} rows; COPY+SQL ${seconds(copyMs + sqlMs)} s; import / (COPY+SQL) ${(result.elapsed / (copyMs + sqlMs)).toFixed(2)}x`)
    console.log(`import peak RSS              ${(result.maxRssKb / 1024).toFixed(0)} MB`)
  } finally {
    psql(`SET client_min_messages TO warning; DROP SCHEMA ${schema} CASCADE`)
  }
}

if (process.argv[2] === "child") {
  await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), Number(process.argv[6]), process.argv[7] === "worker")
} else {
  await main()
}
