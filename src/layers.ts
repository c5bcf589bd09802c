// The program's wiring, in one place: which live layer each service gets, for each way the program runs.
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer } from "effect"
import { ActionSettings, layer as actionSettingsLayer } from "./actions/ActionSettings.ts"
import * as Database from "./db/Database.ts"
import { checkMigrated } from "./db/Migrations.ts"
import { RunStore } from "./dag/RunStore.ts"
import { GenderCensus } from "./services/GenderCensus.ts"
import { KrotonApi } from "./services/KrotonApi.ts"
import { LeadQueue } from "./services/LeadQueue.ts"
import { LeadStore } from "./services/LeadStore.ts"
import { Notifier } from "./services/Notifier.ts"
import { OfferCatalog } from "./services/OfferCatalog.ts"
import { limitsFromConfig, RateBudget } from "./services/RateBudget.ts"

/** The database, checked at start-up: every migration applied (else one line says to run `migrate`). */
export const database = <E, R>(db: Layer.Layer<Database.Database, E, R>) =>
  Layer.effectDiscard(checkMigrated).pipe(Layer.provideMerge(db))

export const databaseFromEnv = database(Database.layer)

/** Stores over the database. */
export const stores = Layer.mergeAll(LeadStore.layer, LeadQueue.layer, RunStore.layer)

/**
 * Kroton and the catalog over HTTP, through the shared rate budget. undici directly rather than fetch: measured
 * 15-20% less CPU per request in bench:pipeline (register 590 -> 680 leads/s with every limit lifted).
 */
const upstreams = Layer.mergeAll(KrotonApi.layer, OfferCatalog.layer).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Everything the pipeline's nodes need, live, over the given database. */
export const pipeline = <E, R>(db: Layer.Layer<Database.Database, E, R>) =>
  Layer.mergeAll(stores, upstreams, GenderCensus.layer, Notifier.layer, actionSettingsLayer).pipe(
    Layer.provideMerge(RateBudget.layer),
    Layer.provideMerge(database(db))
  )

/**
 * A dry-run writes nothing: the budget is kept in memory (same limits, this process only), IBGE answers are not
 * cached, no Slack message is sent; the actions look at their leads without claiming them.
 */
export const pipelineDryRun = <E, R>(db: Layer.Layer<Database.Database, E, R>) =>
  Layer.mergeAll(
    stores,
    upstreams,
    GenderCensus.layerDryRun,
    Notifier.layerTest,
    actionSettingsLayer
  ).pipe(
    Layer.provideMerge(Layer.unwrap(Effect.map(limitsFromConfig, (limits) => RateBudget.layerMemory({ limits })))),
    Layer.provideMerge(database(db))
  )

export type PipelineServices = Layer.Success<ReturnType<typeof pipeline>>
export { ActionSettings }
