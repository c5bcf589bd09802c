// `run allJobs --dry-run` as a process: the database byte-for-byte as it was (pg_dump --data-only of the schema),
// no register POST and no Slack message, and a printout of what would happen with masked personal data only.
import { execFileSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { importLeads } from "../../src/actions/importLeads.ts"
import { allJobsDag } from "../../src/dag/allJobs.ts"
import { runDag } from "../../src/dag/Runner.ts"
import { maskCpf } from "../../src/domain/Mask.ts"
import { testDatabaseUrl } from "../support/database.ts"
import {
  acquireCli,
  acquireE2eSandbox,
  acquireSchema,
  awaitExit,
  type E2eSchema,
  expectedSample,
  leads,
  pipelineOn,
  sampleExport,
  sandboxEnv
} from "./support.ts"

const dump = (schema: E2eSchema) =>
  Effect.sync(() =>
    execFileSync("pg_dump", ["--data-only", "--no-owner", `--schema=${schema.name}`, testDatabaseUrl], { encoding: "utf8" })
      // comments and the \restrict key (random per dump) are not data
      .split("\n").filter((line) => !line.startsWith("--") && !/^\\(un)?restrict /.test(line)).join("\n")
  )

const formatCpf = (d: string) => `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`

describe("run allJobs --dry-run", () => {
  it.live("changes nothing, posts nothing, prints the plan with masked data", () =>
    Effect.gen(function*() {
      const expected = expectedSample()
      const schema = yield* acquireSchema
      const sandbox = yield* acquireE2eSandbox()
      const env = { ...sandboxEnv(sandbox), DATABASE_URL: schema.url }
      // leads ready to post (gender, two offers), others still to sync, a run on record
      const prepared = yield* Effect.gen(function*() {
        yield* importLeads(sampleExport)
        return yield* runDag(allJobsDag, "fixData,syncCourses", { limit: 30 })
      }).pipe(Effect.provide(pipelineOn(schema, env)))
      assert.strictEqual(prepared.status, "succeeded")
      const slackBefore = sandbox.slackMessages().length
      const before = yield* dump(schema)
      assert.include(before, "COPY") // the dump holds data: an empty comparison would prove nothing

      const child = yield* acquireCli(["run", "allJobs", "--dry-run"], env)
      const done = yield* awaitExit(child)
      assert.strictEqual(done.code, 0, done.stderr.slice(-2000))

      assert.strictEqual(yield* dump(schema), before)
      assert.deepStrictEqual(sandbox.log().filter((e) => e.route === "register"), [])
      assert.strictEqual(sandbox.slackMessages().length, slackBefore)

      // the plan: a masked payload for each lead that would be posted now
      const wouldPost = done.stdout.split("\n").filter((l) => l.includes("\"wouldPost\"")).map((l) =>
        JSON.parse(l) as { wouldPost: { dadosPessoais: { cpf: string } } }
      )
      const rows = yield* leads(schema)
      const ready = rows.filter((r) => r.status === "to_register").map((r) => r.cpf!)
      const postable = expected.filter((e) => e.posted && ready.includes(e.cpf!))
      assert.isAbove(postable.length, 0)
      assert.deepStrictEqual(
        wouldPost.map((w) => w.wouldPost.dadosPessoais.cpf).sort(),
        postable.map((e) => maskCpf(e.cpf!)).sort()
      )
      // the planned transitions, counted per step
      assert.match(done.stdout, /dry run: nothing was written or sent; counts are the planned transitions/)
      assert.match(done.stdout, new RegExp(`- register: succeeded.*would_post ${postable.length}\\b`))
      assert.match(done.stdout, /- syncCourses: succeeded.*to_register \d+/)

      // no CPF, e-mail or phone whole anywhere in what the process wrote
      const printed = done.stdout + done.stderr
      for (const r of rows) {
        for (const secret of [r.cpf, r.cpf && formatCpf(r.cpf), r.email, r.phoneNumber, r.phoneNumber && `${r.areaCode}${r.phoneNumber}`]) {
          if (secret) assert.notInclude(printed, secret)
        }
      }
    }).pipe(Effect.scoped), 60_000)
})
