// The dashboard: one HTML page, its script and its stylesheet, served without auth (they hold no data; the
// page asks for the token and sends it with each API call). Read once from src/http/static/ next to this
// module; a compiled build must ship that folder beside dist/http/ (see the report to the lead engineer).
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { readFileSync } from "node:fs"

const files = {
  "/": { file: "index.html", contentType: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", contentType: "text/javascript; charset=utf-8" },
  "/app.css": { file: "app.css", contentType: "text/css; charset=utf-8" }
} as const

const cache = new Map<string, string>()
const read = (file: string) => {
  const cached = cache.get(file)
  if (cached !== undefined) return cached
  const text = readFileSync(new URL(`./static/${file}`, import.meta.url), "utf8")
  cache.set(file, text)
  return text
}

const securityHeaders = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
}

const serveFile = (file: string, contentType: string) =>
  Effect.try({ try: () => read(file), catch: (e) => e }).pipe(
    Effect.map((text) => HttpServerResponse.text(text, { contentType, headers: securityHeaders })),
    Effect.catch(() => Effect.succeed(HttpServerResponse.text(`dashboard asset ${file} is missing from this build`, { status: 500 })))
  )

export const staticRoutes = HttpRouter.use((router) =>
  Effect.forEach(Object.entries(files), ([path, { file, contentType }]) =>
    router.add("GET", path as `/${string}`, serveFile(file, contentType)), { discard: true })
)
