// The sandbox's default data: fixtures/catalog.json (offers) and fixtures/world.json (what Kroton already knows).
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { Offer } from "../domain/KrotonWire.ts"
import type { CatalogOffer } from "./Catalog.ts"
import { World } from "./World.ts"

// fixtures/ sits at the package root, two levels above this file (src/sandbox or dist/sandbox).
export const defaultCatalogPath = fileURLToPath(new URL("../../fixtures/catalog.json", import.meta.url))
export const defaultWorldPath = fileURLToPath(new URL("../../fixtures/world.json", import.meta.url))

export const CatalogFile = Schema.Struct({
  offers: Schema.Array(Schema.Struct({
    ...Offer.fields,
    idUnidadeOrigem: Schema.optional(Schema.Number),
    nmUnidade: Schema.optional(Schema.String)
  }))
})

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"))

export const loadCatalog = (path: string = defaultCatalogPath): ReadonlyArray<CatalogOffer> =>
  Schema.decodeUnknownSync(CatalogFile)(readJson(path)).offers

export const loadWorld = (path: string = defaultWorldPath): World => Schema.decodeUnknownSync(World)(readJson(path))
