import { assert, describe, it } from "@effect/vitest"
import { afterEach } from "vitest"
import { cpfFromBase } from "../../src/sandbox/Cpf.ts"
import type { FaultKind, SandboxHandle } from "../../src/sandbox/Sandbox.ts"
import { catalogSearch, cpfWithOutcome, getToken, krotonGet, offers, payloadFor, registerPost, start, tokenRequest } from "./support.ts"

let sandbox: SandboxHandle | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

const names = (s: SandboxHandle, name = "JOELVAN") => fetch(`${s.ibgeNamesUrl}/${name}?sexo=M`)
const byCpf = (cpf: string) => `/ms/inscricao/v4/captacao/inscricao/cpf/${cpf}`

describe("faults", () => {
  it("answers the queued 5xx in order, then normally", async () => {
    sandbox = await start()
    sandbox.setFaults("ibge", { next: ["500", "502", "503", "504"] })
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++) statuses.push((await names(sandbox)).status)
    assert.deepStrictEqual(statuses, [500, 502, 503, 504, 200])
    assert.deepStrictEqual(sandbox.log().map((e) => e.fault ?? null), ["500", "502", "503", "504", null])
    // 5xx count as accepted requests (the gateway let them in)
    assert.isTrue(sandbox.log().every((e) => e.accepted))
  })

  it("resets the connection without an answer", async () => {
    sandbox = await start()
    sandbox.setFaults("catalog", { next: ["reset"] })
    const error = await catalogSearch(sandbox, { query: { bool: { must: [] } } }).then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, TypeError)
    assert.strictEqual((await catalogSearch(sandbox, { query: { bool: { must: [] } } })).status, 200)
    assert.strictEqual(sandbox.log()[0]!.status, 0)
  })

  it("hangs until the client's timeout fires, and close() does not wait for hung requests", async () => {
    sandbox = await start()
    sandbox.setFaults("kroton", { next: ["hang", "hang"] })
    const timedOut = await fetch(`${sandbox.krotonUrl}/oauth2/token`, {
      method: "POST",
      body: "",
      signal: AbortSignal.timeout(150)
    }).then(() => "answered", (e: unknown) => (e as Error).name)
    assert.strictEqual(timedOut, "TimeoutError")
    assert.strictEqual(sandbox.log()[0]!.fault, "hang")
    const started = Date.now()
    const pending = fetch(`${sandbox.krotonUrl}/oauth2/token`, { method: "POST", body: "" }).then(
      () => "answered",
      () => "dropped"
    )
    // wait until the second request is held by the server (a condition, not a guess)
    while (sandbox.log().length < 2) await new Promise((r) => setTimeout(r, 5))
    await sandbox.close()
    assert.strictEqual(await pending, "dropped")
    assert.isBelow(Date.now() - started, 5_000)
  })

  it("sends bodies that are not the documented JSON with status 200", async () => {
    sandbox = await start()
    sandbox.setFaults("catalog", { next: ["malformed", "malformed", "malformed"] })
    const bodies: Array<{ type: string | null; text: string }> = []
    for (let i = 0; i < 3; i++) {
      const res = await catalogSearch(sandbox, { query: { bool: { must: [] } } })
      assert.strictEqual(res.status, 200)
      bodies.push({ type: res.headers.get("content-type"), text: await res.text() })
    }
    assert.throws(() => JSON.parse(bodies[0]!.text))
    assert.match(bodies[1]!.type ?? "", /text\/html/)
    const shape = JSON.parse(bodies[2]!.text) as Record<string, unknown>
    assert.isUndefined(shape.hits)
  })

  it("injects a 429 with the plan's Retry-After, not counted as accepted", async () => {
    sandbox = await start()
    sandbox.setFaults("kroton", { next: ["429"], retryAfterSeconds: 7 })
    const res = await tokenRequest(sandbox)
    assert.strictEqual(res.status, 429)
    assert.strictEqual(res.headers.get("retry-after"), "7")
    assert.strictEqual((await tokenRequest(sandbox)).status, 200)
    assert.deepStrictEqual(sandbox.log().map((e) => e.accepted), [false, true])
  })

  it("post-then-fail creates the inscription and answers 500; reconciling by CPF finds it", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    sandbox.setFaults("kroton", { next: ["post-then-fail"], routes: ["register"] })
    // lookups are not affected by a register-only plan
    const cpf = cpfWithOutcome({ initial: "SUCCESS", settlesTo: "SUCCESS" })
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(cpf))).status, 404)
    const res = await registerPost(sandbox, token, payloadFor(cpf, offers.open1, offers.open2))
    assert.strictEqual(res.status, 500)
    assert.strictEqual(sandbox.postsByCpf().get(cpf), 1)
    const found = await krotonGet(sandbox, token, byCpf(cpf))
    assert.strictEqual(found.status, 200)
    const again = await registerPost(sandbox, token, payloadFor(cpf, offers.open1, offers.open2))
    assert.strictEqual(again.status, 409)
    assert.strictEqual(sandbox.postsByCpf().get(cpf), 2)
  })

  it("post-then-fail can reset instead, and is a plain 500 on other routes", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    sandbox.setFaults("kroton", { next: ["post-then-fail", "post-then-fail"], postThenFail: "reset" })
    const cpf = cpfFromBase("777888999")
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(cpf))).status, 500)
    const outcome = await registerPost(sandbox, token, payloadFor(cpf, offers.open1)).then(() => "answered", () => "reset")
    assert.strictEqual(outcome, "reset")
    assert.strictEqual(sandbox.inscriptions().filter((r) => r.cpf === cpf).length, 1)
  })

  it("expire-token kills the tokens issued so far", async () => {
    sandbox = await start()
    const token = await getToken(sandbox)
    const cpf = cpfFromBase("135792468")
    sandbox.setFaults("kroton", { next: ["expire-token"] })
    const res = await krotonGet(sandbox, token, byCpf(cpf))
    assert.strictEqual(res.status, 401)
    assert.deepStrictEqual(((await res.json()) as { error: string }).error, "invalid_token")
    assert.strictEqual((await krotonGet(sandbox, token, byCpf(cpf))).status, 401)
    const fresh = await getToken(sandbox)
    assert.strictEqual((await krotonGet(sandbox, fresh, byCpf(cpf))).status, 404)
  })

  it("every n-th request, only on the routes named", async () => {
    sandbox = await start()
    sandbox.setFaults("ibge", { every: { n: 3, kind: "503" }, routes: ["names"] })
    const statuses: Array<number> = []
    for (let i = 0; i < 7; i++) statuses.push((await names(sandbox)).status)
    assert.deepStrictEqual(statuses, [200, 200, 503, 200, 200, 503, 200])
    sandbox.setFaults("ibge", {})
    assert.strictEqual((await names(sandbox)).status, 200)
  })

  it("seeded random faults repeat exactly with the same seed", async () => {
    const run = async (): Promise<ReadonlyArray<FaultKind | null>> => {
      const s = await start()
      s.setFaults("ibge", { random: { seed: 42, probability: 0.4, kinds: ["500", "503", "malformed"] } })
      for (let i = 0; i < 20; i++) await (await names(s)).text()
      const faults = s.log().map((e) => e.fault ?? null)
      await s.close()
      return faults
    }
    const a = await run()
    const b = await run()
    assert.deepStrictEqual(a, b)
    const hit = a.filter((f) => f !== null).length
    assert.isAbove(hit, 2)
    assert.isBelow(hit, 18)
  })

  it("Slack faults lose the message", async () => {
    sandbox = await start()
    sandbox.setFaults("slack", { next: ["500"] })
    const post = (text: string) => fetch(sandbox!.slackWebhookUrl, { method: "POST", body: JSON.stringify({ text }) })
    assert.strictEqual((await post("lost")).status, 500)
    assert.strictEqual((await post("kept")).status, 200)
    assert.deepStrictEqual(sandbox.slackMessages(), [{ text: "kept" }])
  })
})
