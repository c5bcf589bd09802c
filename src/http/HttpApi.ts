// The API server as layers. `app(dag)` is the routes with their services (served by any HttpServer: tests
// use NodeHttpServer.layerTest); `layer(dag, options)` listens on a port with node:http.
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import type { Dag } from "../dag/Node.ts"
import { ApiAuth, type AuthMode } from "./Auth.ts"
import { routes } from "./Routes.ts"
import { Runs } from "./Runs.ts"

/**
 * The routes served by the HttpServer in context, with the runner behind POST /runs and the auth check.
 * (Services the handlers use are provided outside `HttpRouter.serve`, as it requires.) Still needs: RunStore,
 * Notifier (the runner), RateBudget (budget use), SqlClient (the dashboard's queries) and whatever the
 * graph's nodes need (R).
 */
export const serve = <E, R>(dag: Dag<E, R>, auth: AuthMode) =>
  HttpRouter.serve(routes).pipe(Layer.provide([Runs.layer(dag), ApiAuth.layerMode(auth)]))

export interface ListenOptions {
  readonly port: number
  /** undefined: every interface; "127.0.0.1" for --insecure-local */
  readonly host?: string | undefined
}

/** The server on a port (0: any free port). */
export const layer = <E, R>(dag: Dag<E, R>, auth: AuthMode, listen: ListenOptions) =>
  serve(dag, auth).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port: listen.port, ...(listen.host === undefined ? {} : { host: listen.host }) }))
  )
