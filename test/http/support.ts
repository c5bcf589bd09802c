// A served API over a fresh database, a fake graph whose "hold" node waits for the test, and seed data:
// leads in every status with transitions, a follow-up and courses, a finished run, budget grants and a 429.
import { NodeHttpServer } from "@effect/platform-node"
import { Deferred, Duration, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { RunStore } from "../../src/dag/RunStore.ts"
import { statuses, type Status } from "../../src/domain/Status.ts"
import type { AuthMode } from "../../src/http/Auth.ts"
import * as HttpApi from "../../src/http/HttpApi.ts"
import { Notifier } from "../../src/services/Notifier.ts"
import { RateBudget } from "../../src/services/RateBudget.ts"
import { dagOf, fake } from "../dag/support.ts"
import { type DatabaseKind, freshDatabase } from "../support/database.ts"

export const token = "test-token-0123456789"
export const tokenAuth: AuthMode = { _tag: "Token", token: Redacted.make(token) }
export const bearer = { authorization: `Bearer ${token}` }

/** A valid CPF from 9 digits (check digits computed). */
export const cpfOf = (nine: number): string => {
  const d = String(nine).padStart(9, "0").split("").map(Number)
  const check = (digits: ReadonlyArray<number>) => {
    const sum = digits.reduce((acc, x, i) => acc + x * (digits.length + 1 - i), 0)
    const r = (sum * 10) % 11
    return r === 10 ? 0 : r
  }
  const d1 = check(d)
  const d2 = check([...d, d1])
  return [...d, d1, d2].join("")
}

/** The "hold" node waits on the current gate: a test opens it to let its run end. */
export const gate = { current: Deferred.makeUnsafe<void>(), entered: Deferred.makeUnsafe<void>() }
export const resetGate = Effect.sync(() => {
  gate.current = Deferred.makeUnsafe<void>()
  gate.entered = Deferred.makeUnsafe<void>()
})

export const testDag = dagOf([
  fake("fixData", [], Effect.succeed({ gender_inferred: 2 })),
  fake("syncCourses", [], Effect.succeed({ to_register: 3, empty_course: 1 })),
  fake("register", ["fixData", "syncCourses"], Effect.succeed({ registered: 2, awaiting_register: 1 })),
  fake("hold", [], Effect.suspend(() => Deferred.succeed(gate.entered, undefined).pipe(Effect.andThen(Deferred.await(gate.current)), Effect.as({ held: 1 })))),
  fake("broken", [], Effect.fail(new Error("catalog answered 503 for 378.457.608-70"))),
  fake("afterBroken", ["broken"], Effect.succeed({ never: 1 }))
])

const silentNotifier = Layer.succeed(Notifier, Notifier.of({ notify: () => Effect.void }))

export const budgetLayer = RateBudget.layerWith({
  limits: {
    kroton: { limit: 100, window: Duration.minutes(5) },
    catalog: { limit: 100, window: Duration.minutes(5) },
    ibge: { limit: 60, window: Duration.minutes(1) }
  }
})

/** The API (routes, runner over `dag`) on an ephemeral port; HttpClient points at it; SqlClient to seed. */
export const apiLayer = (kind: DatabaseKind, auth: AuthMode = tokenAuth, dag = testDag) =>
  HttpApi.serve(dag, auth).pipe(
    Layer.provide([RunStore.layer, silentNotifier, budgetLayer]),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(freshDatabase(kind))
  )

/** How many leads the seed puts in each status (every status, some zero-free). */
export const seededCounts: Readonly<Record<Status, number>> = {
  invalid_data: 2,
  to_sync: 5,
  course_failed: 1,
  empty_course: 3,
  to_register: 4,
  registered: 6,
  register_failed: 1,
  awaiting_register: 2,
  enrolled: 3,
  dropped: 1,
  failed: 1
}

/** The lead the lead-history tests look up. */
export const knownCpf = cpfOf(378457608)
export const unknownCpf = cpfOf(111222333)

export const seed = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  let n = 1
  for (const status of statuses) {
    for (let i = 0; i < seededCounts[status]; i++) {
      const cpf = status === "registered" && i === 0 ? knownCpf : cpfOf(100_000_000 + n)
      // two import days: half the leads yesterday (São Paulo time), half today
      const day = n % 2 === 0 ? "2026-11-30 12:00:00-03" : "2026-12-01 12:00:00-03"
      n++
      if (status === "invalid_data") {
        yield* sql.unsafe(
          `INSERT INTO subscriptions (cpf, invalid_key, status, invalid_reasons, created_at) VALUES (NULL, $1, 'invalid_data', '[{"field":"cpf"}]'::jsonb, $2::timestamptz)`,
          [`bad-${n}`, day]
        )
        continue
      }
      yield* sql.unsafe(
        `INSERT INTO subscriptions (cpf, status, user_name, email, area_code, phone_number, course_name, modality, created_at)
         VALUES ($1, $2, 'Maria Souza', 'maria.souza@example.com', '11', '975405666', 'Direito', 'EAD', $3::timestamptz)`,
        [cpf, status, day]
      )
    }
  }
  const lead = (yield* sql.unsafe<{ id: string }>(`SELECT id::text AS id FROM subscriptions WHERE cpf = $1`, [knownCpf]))[0]!
  yield* sql.unsafe(
    `INSERT INTO lead_transitions (subscription_id, from_status, to_status, reason, run_id, step, detail, at) VALUES
       ($1::bigint, NULL, 'to_sync', 'imported', NULL, NULL, NULL, '2026-12-01 12:00:00-03'),
       ($1::bigint, 'to_sync', 'to_register', 'two offers found', 'run_seed', 'syncCourses', '{"offers":2}'::jsonb, '2026-12-01 12:05:00-03'),
       ($1::bigint, 'to_register', 'registered', 'Kroton answered SUCCESS', 'run_seed', 'register', '{"email":"maria.souza@example.com"}'::jsonb, '2026-12-01 12:10:00-03')`,
    [lead.id]
  )
  yield* sql.unsafe(
    `INSERT INTO follow_ups (subscription_id, kroton_subscription_id, source) VALUES ($1::bigint, 'INS-991', '{"status":"SUCCESS","celular":"11975405666"}'::jsonb)`,
    [lead.id]
  )
  yield* sql.unsafe(
    `INSERT INTO courses (subscription_id, option, offer_id, sistema, course_name, modality, source) VALUES
       ($1::bigint, 1, 'OF-1', 'COLABORAR', 'Direito', 'EAD', '{}'::jsonb), ($1::bigint, 2, 'OF-2', 'COLABORAR', 'Direito', 'EAD', '{}'::jsonb)`,
    [lead.id]
  )
  // a finished run with a failed step
  yield* sql.unsafe(
    `INSERT INTO runs (id, selection, status, started_at, finished_at, error) VALUES
       ('run_seed', 'allJobs', 'failed', now() - interval '2 hours', now() - interval '2 hours' + interval '95 seconds', NULL)`
  )
  yield* sql.unsafe(
    `INSERT INTO run_steps (run_id, node, status, position, started_at, finished_at, counts, error) VALUES
       ('run_seed', 'syncCourses', 'succeeded', 0, now() - interval '2 hours', now() - interval '2 hours' + interval '40 seconds', '{"to_register":12,"empty_course":3}'::jsonb, NULL),
       ('run_seed', 'register', 'failed', 1, now() - interval '2 hours' + interval '40 seconds', now() - interval '2 hours' + interval '95 seconds', '{}'::jsonb, 'Kroton answered 500 three times')`
  )
  // budget: 30 kroton requests spread over the last hour, 7 in the current window; one 429
  for (let i = 0; i < 30; i++) {
    const ago = i < 7 ? i * 20 : 600 + i * 100
    yield* sql.unsafe(`INSERT INTO rate_budget_grants (upstream, at) VALUES ('kroton', now() - make_interval(secs => $1::int))`, [ago])
  }
  yield* sql.unsafe(`INSERT INTO rate_budget_grants (upstream, at) VALUES ('catalog', now() - interval '30 seconds')`)
  yield* sql.unsafe(`INSERT INTO upstream_events (upstream, kind, at) VALUES ('kroton', '429', now() - interval '20 minutes')`)
})
