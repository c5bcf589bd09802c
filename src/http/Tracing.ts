// Traces to an OpenTelemetry collector over OTLP/HTTP (JSON), only when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; otherwise nothing is installed and spans cost next to nothing.
// The runner, the clients and the HTTP server already open spans (run, step, upstream call, request).
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpExporter, OtlpSerialization, OtlpTracer } from "effect/observability"

export interface TracingSettings {
  /** where spans are POSTed, e.g. http://collector:4318/v1/traces */
  readonly url: string
  readonly serviceName: string
  /** OTEL_EXPORTER_OTLP_HEADERS, e.g. an API key of the collector: secret */
  readonly headers: Redacted.Redacted<Record<string, string>> | undefined
}

/** "k1=v1,k2=v2" (values URI-encoded, as OpenTelemetry specifies) */
export const parseHeaders = (text: string): Record<string, string> =>
  Object.fromEntries(
    text.split(",").flatMap((pair) => {
      const at = pair.indexOf("=")
      if (at <= 0) return []
      return [[pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())]]
    })
  )

const tracesUrl = (base: string) => `${base.replace(/\/+$/, "")}/v1/traces`

/** The settings from the environment; None when no endpoint is set or OTEL_SDK_DISABLED=true. */
export const settingsFromConfig: Effect.Effect<Option.Option<TracingSettings>, Config.ConfigError> = Effect.gen(function*() {
  const disabled = yield* Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false))
  const specific = yield* Config.option(Config.String("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
  const base = yield* Config.option(Config.String("OTEL_EXPORTER_OTLP_ENDPOINT"))
  const url = Option.isSome(specific) && specific.value.trim() !== ""
    ? Option.some(specific.value.trim())
    : Option.filter(base, (b) => b.trim() !== "").pipe(Option.map((b) => tracesUrl(b.trim())))
  if (disabled || Option.isNone(url)) return Option.none()
  const serviceName = yield* Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault("kroton-leads"))
  const headers = yield* Config.option(Config.Redacted("OTEL_EXPORTER_OTLP_HEADERS"))
  return Option.some({
    url: url.value,
    serviceName,
    headers: Option.isSome(headers) ? Redacted.make(parseHeaders(Redacted.value(headers.value))) : undefined
  })
})

/** The OTLP tracer for these settings (spans batched, flushed at shutdown). */
export const layerWith = (settings: TracingSettings) =>
  OtlpTracer.layer({
    url: settings.url,
    resource: { serviceName: settings.serviceName },
    ...(settings.headers === undefined ? {} : { headers: Redacted.value(settings.headers) })
  }).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(FetchHttpClient.layer))

/**
 * Exporting tracer when configured; otherwise only a no-op Flusher (effect's own choice when OTLP is off).
 * Provide it last (outermost), around the whole program, so every span goes through it.
 */
export const layer: Layer.Layer<OtlpExporter.Flusher, Config.ConfigError> = Layer.unwrap(
  Effect.map(settingsFromConfig, Option.match({
    onNone: () => OtlpExporter.layerFlusher,
    onSome: layerWith
  }))
)
