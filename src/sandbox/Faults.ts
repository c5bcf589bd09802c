// Injected faults, per upstream and deterministic: a queue for the next requests, a period ("every 7th"),
// and/or a seeded rate. Faults act at the gateway, after the rate limiter, before the route.
import { seededRandom } from "./Determinism.ts"

export type Upstream = "kroton" | "catalog" | "ibge" | "slack"

export type FaultKind =
  | "500"
  | "502"
  | "503"
  | "504"
  | "reset" // destroy the socket without answering
  | "hang" // accept and never answer (until close)
  | "malformed" // 200 with a body that is not the documented JSON
  | "429" // throttled although the window has room (not counted as accepted)
  | "post-then-fail" // register: create the inscription, then answer 500 or reset; elsewhere a plain 500
  | "expire-token" // every token issued so far dies, then the request goes on (and meets 401)

export type MalformedVariant = "truncated" | "html" | "wrong-shape"

export interface FaultPlan {
  /** faults for the next requests, in order (one per request) */
  readonly next?: ReadonlyArray<FaultKind>
  /** every n-th request (counted from setFaults) gets `kind`; the queue goes first */
  readonly every?: { readonly n: number; readonly kind: FaultKind }
  /** seeded pseudo-random faults: each request fails with `probability`, kind drawn from `kinds` */
  readonly random?: { readonly seed: number; readonly probability: number; readonly kinds: ReadonlyArray<FaultKind> }
  /** only requests of these routes are affected (and counted), e.g. ["register"]; default all */
  readonly routes?: ReadonlyArray<string>
  /** what "malformed" sends; default rotates truncated -> html -> wrong-shape */
  readonly malformed?: MalformedVariant
  /** how "post-then-fail" fails after creating the inscription; default "500" */
  readonly postThenFail?: "500" | "reset"
  /** Retry-After of an injected 429, in seconds; default 1 */
  readonly retryAfterSeconds?: number
}

export interface FaultState {
  readonly plan: FaultPlan
  /** the fault for this request, if any (consumes the queue, advances the counters) */
  readonly draw: (route: string) => FaultKind | undefined
  readonly malformedVariant: () => MalformedVariant
}

const variants: ReadonlyArray<MalformedVariant> = ["truncated", "html", "wrong-shape"]

export const makeFaultState = (plan: FaultPlan): FaultState => {
  const queue = [...(plan.next ?? [])]
  const random = plan.random ? seededRandom(plan.random.seed) : undefined
  let count = 0
  let malformedCount = 0
  return {
    plan,
    draw: (route) => {
      if (plan.routes && !plan.routes.includes(route)) return undefined
      count++
      const queued = queue.shift()
      if (queued) return queued
      if (plan.every && plan.every.n > 0 && count % plan.every.n === 0) return plan.every.kind
      if (random && plan.random && plan.random.kinds.length > 0 && random() < plan.random.probability) {
        return plan.random.kinds[Math.floor(random() * plan.random.kinds.length)]
      }
      return undefined
    },
    malformedVariant: () => plan.malformed ?? variants[malformedCount++ % variants.length]!
  }
}

export const noFaults: FaultState = makeFaultState({})

/** Bodies that break the documented JSON, per variant. */
export const malformedBody = (variant: MalformedVariant): { readonly contentType: string; readonly body: string } => {
  switch (variant) {
    case "truncated":
      return { contentType: "application/json", body: "{\"inscricoes\":[{\"id\":\"7000" }
    case "html":
      return {
        contentType: "text/html; charset=utf-8",
        body: "<!DOCTYPE html><html><head><title>Gateway</title></head><body><h1>Service temporarily unavailable</h1></body></html>"
      }
    case "wrong-shape":
      return { contentType: "application/json", body: "{\"data\":null,\"ok\":true,\"items\":\"none\"}" }
  }
}
