// Kroton's ingresso API (contract section 3): OAuth2 client credentials, lookups by CPF and the register POST.
// Live client in upstream/KrotonLive.ts; in-memory fake (layerTest) and file-backed (layerFixtures) in
// upstream/KrotonFake.ts.
import { Context, Effect, Layer, type Option, type Redacted } from "effect"
import type { HttpClient } from "effect/http"
import type { EnrollmentPayload, EnrollmentResponse, Inscription, Matricula, Sistema } from "../domain/KrotonWire.ts"
import type { RateBudget } from "./RateBudget.ts"
import { KrotonFake, makeFake, worldFromFile } from "./upstream/KrotonFake.ts"
import type { KrotonFailure, RegisterAnswer, RegisterOutcomeUnknown } from "./upstream/KrotonErrors.ts"
import { type KrotonSettings, make, settingsFromConfig } from "./upstream/KrotonLive.ts"
import type { SettingInvalid } from "./upstream/Settings.ts"

export * from "./upstream/KrotonErrors.ts"
export { KrotonFake, type KrotonSettings }

// Endpoints are named by their template (never with the CPF in it): "GET /inscricao/cpf/{cpf}".

export interface KrotonApiShape {
  /** A valid access token (cached, renewed before expiry; one request when many fibers need one). */
  readonly token: Effect.Effect<Redacted.Redacted<string>, KrotonFailure>
  /** 404 is "none": an empty list. */
  readonly inscriptionsByCpf: (cpf: string) => Effect.Effect<ReadonlyArray<Inscription>, KrotonFailure>
  /** 404 is "none": an empty list. */
  readonly matriculasByCpf: (cpf: string) => Effect.Effect<ReadonlyArray<Matricula>, KrotonFailure>
  /** 404 is "unknown inscription": None. */
  readonly inscriptionByCode: (
    inscricaoId: string,
    sistema: Sistema
  ) => Effect.Effect<Option.Option<EnrollmentResponse>, KrotonFailure>
  /** Never retried blindly: a failure after sending is RegisterOutcomeUnknown. */
  readonly register: (payload: EnrollmentPayload) => Effect.Effect<RegisterAnswer, KrotonFailure | RegisterOutcomeUnknown>
}

export class KrotonApi extends Context.Service<KrotonApi, KrotonApiShape>()("kroton-leads/KrotonApi") {
  /** Live, over HTTP: KROTON_API_URL, KROTON_CLIENT_ID, KROTON_CLIENT_SECRET (required), KROTON_SCOPE, KROTON_TIMEOUT, KROTON_MAX_ATTEMPTS. */
  static readonly layer: Layer.Layer<KrotonApi, SettingInvalid, HttpClient.HttpClient | RateBudget> = Layer.effect(
    this,
    Effect.flatMap(settingsFromConfig, make)
  )

  /** Live with explicit settings (tests: short timeouts and backoffs). */
  static readonly layerWith = (settings: KrotonSettings): Layer.Layer<KrotonApi, never, HttpClient.HttpClient | RateBudget> =>
    Layer.effect(this, make(settings))

  /** In memory, programmable through the KrotonFake service it also provides (world, register answers, calls). */
  static readonly layerTest: Layer.Layer<KrotonApi | KrotonFake> = Layer.effectContext(
    Effect.sync(() => {
      const fake = makeFake()
      return Context.make(KrotonApi, fake.api).pipe(Context.add(KrotonFake, fake))
    })
  )

  /** Answers from fixtures/world.json (the sandbox's world), no network; registers in memory. */
  static readonly layerFixtures: Layer.Layer<KrotonApi | KrotonFake> = Layer.effectContext(
    Effect.sync(() => {
      const fake = makeFake(worldFromFile())
      return Context.make(KrotonApi, fake.api).pipe(Context.add(KrotonFake, fake))
    })
  )
}
