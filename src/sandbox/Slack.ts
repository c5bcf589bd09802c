// A Slack incoming webhook: JSON {text, blocks?} -> 200 "ok"; Slack's own error strings otherwise.
import type { Exchange, RouteSpec } from "./Exchange.ts"
import { parseJson } from "./Exchange.ts"

export const slackPath = "/services/T00000000/B00000000/sandboxsandboxsandbox"

export const slackRoutes: ReadonlyArray<RouteSpec> = [
  { name: "webhook", method: "POST", template: "/services/{team}/{bot}/{secret}", pattern: /^\/services\/[^/]+\/[^/]+\/[^/]+$/ }
]

export const makeSlackHandler = (messages: Array<unknown>) => (ex: Exchange): void => {
  const parsed = parseJson(ex.body)
  const value = parsed.ok ? parsed.value : undefined
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    ex.send(400, "invalid_payload", { "content-type": "text/plain" })
    return
  }
  const { text, blocks } = value as { text?: unknown; blocks?: unknown }
  if (blocks !== undefined && !Array.isArray(blocks)) {
    ex.send(400, "invalid_blocks", { "content-type": "text/plain" })
    return
  }
  if ((typeof text !== "string" || text.length === 0) && (!Array.isArray(blocks) || blocks.length === 0)) {
    ex.send(400, "no_text", { "content-type": "text/plain" })
    return
  }
  messages.push(value)
  ex.send(200, "ok", { "content-type": "text/plain" })
}
