// Prometheus text exposition format (version 0.0.4), written by hand: a few families, no client library.
export interface Sample {
  readonly labels?: Readonly<Record<string, string>>
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly help: string
  readonly type: "counter" | "gauge" | "summary"
  readonly samples: ReadonlyArray<Sample & { readonly suffix?: string }>
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, "\\\"")
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const formatValue = (n: number) =>
  Number.isNaN(n) ? "NaN" : n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n)

const formatLabels = (labels: Readonly<Record<string, string>> | undefined) => {
  const entries = Object.entries(labels ?? {})
  return entries.length === 0 ? "" : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
}

export const render = (families: ReadonlyArray<Family>): string =>
  families
    .map((f) =>
      [
        `# HELP ${f.name} ${escapeHelp(f.help)}`,
        `# TYPE ${f.name} ${f.type}`,
        ...f.samples.map((s) => `${f.name}${s.suffix ?? ""}${formatLabels(s.labels)} ${formatValue(s.value)}`)
      ].join("\n")
    )
    .join("\n") + "\n"

export const contentType = "text/plain; version=0.0.4; charset=utf-8"
