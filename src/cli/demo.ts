// `demo`: the main job on a fresh machine, end to end, with nothing to install or configure: an embedded database
// under .data/demo (new each time), the in-process sandbox playing Kroton, the catalog, IBGE and Slack from
// fixtures/, and Kroton's limit of 100 requests per 5 minutes scaled to 100 per 10 seconds so it ends in a minute.
// migrate -> import the sample -> allJobs -> the sandbox's world moves a day on -> checker -> the funnel.
import { ConfigProvider, Console, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { formatReport, importLeads } from "../actions/importLeads.ts"
import * as Database from "../db/Database.ts"
import { migrate } from "../db/Migrations.ts"
import { allJobsDag } from "../dag/allJobs.ts"
import { runDag } from "../dag/Runner.ts"
import { summaryText } from "../dag/Summary.ts"
import { pipeline } from "../layers.ts"
import { acquireSandbox, clientEnvironment } from "../sandbox/Sandbox.ts"
import { LeadStore } from "../services/LeadStore.ts"
import { formatStatusCounts } from "./import.ts"
import { parseRateLimit } from "./sandbox.ts"

const sampleExport = fileURLToPath(new URL("../../fixtures/leads.csv", import.meta.url))

const heading = (text: string) => Console.log(`\n== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}`)

export const demoCommand = Command.make(
  "demo",
  {
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription("where the demo's embedded database lives (emptied first)"),
      Flag.withDefault(".data/demo")
    ),
    window: Flag.String("rate-window").pipe(
      Flag.withDescription("the window of Kroton's 100-request limit in the demo (the real one is 5m)"),
      Flag.withDefault("10s")
    )
  },
  Effect.fn("cli.demo")(function*({ dataDir, window }) {
    rmSync(dataDir, { recursive: true, force: true })
    const sandbox = yield* acquireSandbox({ rateLimit: parseRateLimit(`100/${window}`) })
    const settings = ConfigProvider.fromEnvRecord({
      ...clientEnvironment(sandbox),
      KROTON_RATE_LIMIT: `100/${window}`,
      OFFER_CATALOG_RATE_LIMIT: `100/${window}`,
      IBGE_RATE_LIMIT: `100/${window}`,
      // the world moves a day on in the sandbox only: let the checker ask again at once
      CHECK_INTERVAL: "0",
      DAG_PROGRESS_INTERVAL: "2 seconds"
    })
    const services = pipeline(Database.layerEmbedded(dataDir)).pipe(
      Layer.provide(ConfigProvider.layerAdd(settings, { asPrimary: true }))
    )
    const db = Database.layerEmbedded(dataDir)

    yield* heading(`migrate (embedded PostgreSQL under ${dataDir})`)
    const applied = yield* migrate.pipe(Effect.provide(db))
    yield* Console.log(`applied ${applied.join(", ")}`)

    yield* Effect.gen(function*() {
      yield* heading("import fixtures/leads.csv")
      yield* Console.log(formatReport(yield* importLeads(sampleExport)))

      yield* heading("run allJobs (the sandbox plays Kroton, the catalog, IBGE and Slack)")
      yield* Console.log(summaryText(yield* runDag(allJobsDag, "allJobs")))

      yield* heading("a day later: the sandbox's world moves on; run checker")
      sandbox.advanceDay()
      yield* Console.log(summaryText(yield* runDag(allJobsDag, "checker")))

      yield* heading("funnel: leads by status")
      yield* Console.log(formatStatusCounts(yield* (yield* LeadStore).countByStatus()))
      const posts = [...sandbox.postsByCpf().values()]
      yield* Console.log(
        `\nKroton received ${posts.reduce((a, b) => a + b, 0)} register POSTs for ${posts.length} CPFs ` +
          `(${posts.filter((n) => n > 1).length} CPF posted twice); ${sandbox.log().filter((e) => e.upstream === "kroton").length} Kroton requests, ` +
          `${sandbox.log().filter((e) => e.status === 429).length} answered 429; ${sandbox.slackMessages().length} Slack messages.`
      )
    }).pipe(Effect.provide(services))
  }, Effect.scoped)
).pipe(Command.withDescription(
  "The main job end to end on a fresh machine: embedded database, in-process sandbox of Kroton, sample export"
))
