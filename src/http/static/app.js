// The operations dashboard: vanilla script, no build step. Every API call carries the token kept in this
// tab's sessionStorage. Text from the API is always set with textContent (never parsed as HTML).
"use strict"

const TOKEN_KEY = "kroton-leads.token"
const $ = (id) => document.getElementById(id)
const state = { lastDrySelection: undefined, refreshTimer: undefined }

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k === "class") node.className = v
    // through CSSOM: the CSP (style-src 'self') refuses style attributes
    else if (k === "style") node.style.cssText = v
    else node.setAttribute(k, v === true ? "" : String(v))
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c))
  return node
}
const svgEl = (tag, attrs = {}) => {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  return node
}

const fmt = new Intl.NumberFormat("en-US")
const num = (n) => fmt.format(n)
const pct = (part, whole) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : "–")
const duration = (ms) => {
  if (ms === undefined || ms === null) return ""
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m}m ${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`
}
const when = (ms) => new Date(ms).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" })
const clock = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
const label = (status) => status.replace(/_/g, " ")

class Unauthorized extends Error {}

const api = async (path, options = {}) => {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? ""
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token}`, ...(options.body ? { "content-type": "application/json" } : {}) }
  })
  if (response.status === 401) throw new Unauthorized("the token was refused")
  const text = await response.text()
  let body
  try { body = text === "" ? {} : JSON.parse(text) } catch { body = { message: text } }
  return { status: response.status, body }
}

// ---- token -------------------------------------------------------------------------------------------
const askToken = (message) => {
  clearInterval(state.refreshTimer)
  $("app").hidden = true
  $("forget-token").hidden = true
  $("token-form").hidden = false
  $("token-error").textContent = message ?? ""
  $("token-input").focus()
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault()
  sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim())
  $("token-input").value = ""
  start()
})
$("forget-token").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY)
  askToken()
})

const guard = (f) => async (...args) => {
  try {
    return await f(...args)
  } catch (e) {
    if (e instanceof Unauthorized) {
      sessionStorage.removeItem(TOKEN_KEY)
      askToken("That token was refused. Try again.")
    } else {
      console.error(e)
    }
  }
}

// ---- funnel ------------------------------------------------------------------------------------------
const stageHelp = {
  to_sync: "imported, valid",
  to_register: "two offers found",
  registered: "inscribed at Kroton",
  enrolled: "matriculated"
}
// where each dead end leaves the main path (shown beside that stage)
const endsBeside = {
  to_sync: ["invalid_data", "empty_course", "course_failed"],
  to_register: ["register_failed", "failed"],
  registered: ["dropped"],
  enrolled: []
}

const countSpan = (status, n) => el("span", { class: "count", "data-status": status }, num(n))

const renderFunnel = (f) => {
  const box = $("funnel")
  box.replaceChildren()
  const top = Math.max(1, ...f.stages.map((s) => s.reached))
  const validTotal = f.total - f.byStatus.invalid_data
  $("funnel-total").textContent = `${num(f.total)} leads imported${f.from || f.to ? ` (${f.from ?? "…"} to ${f.to ?? "…"})` : ""}; ` +
    `${num(f.byStatus.enrolled)} enrolled (${pct(f.byStatus.enrolled, validTotal)} of valid leads).`
  for (const s of f.stages) {
    const width = (s.reached / top) * 100
    const ends = endsBeside[s.stage].map((status) => {
      const n = f.byStatus[status]
      return el("span", { class: `chip${n === 0 ? " zero" : ""}`, title: `ended as ${label(status)}` }, `${label(status)} `, countSpan(status, n))
    })
    if (s.stage === "to_register") {
      ends.unshift(el("span", { class: "chip flight", title: "sent, Kroton still processing" }, "awaiting register ", countSpan("awaiting_register", f.awaitingRegister)))
    }
    box.append(el("div", { class: `stage ${s.stage}`, "data-stage": s.stage },
      el("div", { class: "stage-name" }, label(s.stage), el("small", {}, stageHelp[s.stage])),
      el("div", { class: "bar", title: `${num(s.reached)} reached ${label(s.stage)}; ${num(s.now)} are there now` },
        el("div", { class: "fill", style: `width:${width}%` }),
        el("div", { class: "now", style: `width:${(s.now / top) * 100}%` }),
        el("span", { class: `label${width < 18 ? " outside" : ""}`, style: width < 18 ? `left:calc(${width}% + .5rem)` : undefined },
          `${num(s.reached)} reached`, el("span", { class: "sr" }, ` (${pct(s.reached, validTotal)})`))),
      el("div", { class: "ends" }, el("span", { class: "muted" }, "here now "), countSpan(s.stage, s.now), ...ends)))
  }
  const statuses = Object.keys(f.byStatus)
  const table = $("funnel-days")
  table.replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, "day"), el("th", {}, "total"), statuses.map((s) => el("th", {}, label(s))))),
    el("tbody", {}, f.days.map((d) => el("tr", {}, el("td", {}, d.day), el("td", {}, num(d.total)), statuses.map((s) => el("td", {}, num(d.byStatus[s]))))))
  )
}

const loadFunnel = guard(async () => {
  const params = new URLSearchParams()
  if ($("funnel-from").value) params.set("from", $("funnel-from").value)
  if ($("funnel-to").value) params.set("to", $("funnel-to").value)
  const { status, body } = await api(`/funnel${params.size > 0 ? `?${params}` : ""}`)
  if (status !== 200) {
    $("funnel-total").textContent = body.message ?? `error ${status}`
    return
  }
  renderFunnel(body)
})
$("funnel-range").addEventListener("submit", (event) => {
  event.preventDefault()
  loadFunnel()
})

// ---- runs --------------------------------------------------------------------------------------------
const countsText = (counts) => {
  const entries = Object.entries(counts ?? {})
  return entries.length === 0 ? "" : entries.map(([k, v]) => `${label(k)} ${num(v)}`).join(" · ")
}

const renderRun = (run, now) => {
  const begin = run.startedAt
  const end = run.finishedAt ?? Math.max(now, ...run.steps.map((s) => s.finishedAt ?? s.startedAt ?? begin))
  const span = Math.max(1, end - begin)
  const steps = run.steps.map((s) => {
    const from = s.startedAt ?? null
    const to = s.finishedAt ?? (s.status === "running" ? now : from)
    const left = from === null ? 0 : ((from - begin) / span) * 100
    const width = from === null ? 0 : Math.max(0.8, ((to - from) / span) * 100)
    const info = [
      s.status !== "succeeded" ? label(s.status) : undefined,
      s.durationMs !== undefined ? duration(s.durationMs) : undefined,
      countsText(s.counts) || undefined,
      s.heldBy ? `held by ${s.heldBy}` : undefined,
      s.note
    ].filter(Boolean).join(" · ")
    return el("div", { class: "step", "data-node": s.node, "data-status": s.status },
      el("span", { class: "step-name" }, s.node),
      el("div", { class: "track" }, from === null ? null : el("div", { class: `seg ${s.status}`, style: `left:${Math.min(left, 99)}%;width:${Math.min(width, 100 - Math.min(left, 99))}%` })),
      el("div", { class: "step-info" }, info, s.error ? el("div", { class: "err" }, s.error) : null))
  })
  return el("li", { class: "run", "data-run-id": run.id, "data-status": run.status, "data-dry-run": String(run.dryRun) },
    el("div", { class: "run-head" },
      el("span", { class: `status ${run.status}` }, label(run.status)),
      el("span", { class: "run-sel" }, run.selection),
      run.dryRun ? el("span", { class: "tag" }, "dry run") : null,
      el("span", { class: "run-id" }, run.id),
      el("span", { class: "run-when" }, `${when(run.startedAt)}${run.durationMs !== undefined ? ` · ${duration(run.durationMs)}` : " · running"}`)),
    run.error ? el("div", { class: "step-info" }, el("span", { class: "err" }, run.error)) : null,
    el("div", { class: "steps" }, steps))
}

const loadRuns = guard(async () => {
  const { status, body } = await api("/runs?limit=15")
  if (status !== 200) return
  const now = Date.now()
  const list = $("runs")
  list.replaceChildren(...body.runs.map((r) => renderRun(r, now)))
  if (body.runs.length === 0) list.append(el("li", { class: "muted" }, "No runs yet."))
  // follow a running run closely
  clearTimeout(state.followTimer)
  if (body.runs.some((r) => r.status === "running")) state.followTimer = setTimeout(loadRuns, 1000)
})

const loadNodes = async () => {
  const { status, body } = await api("/nodes")
  if (status !== 200) throw new Error(`nodes: ${status}`)
  const select = $("selection")
  const options = []
  for (const s of body.selections) {
    options.push(el("option", { value: s }, s === "allJobs" ? "allJobs (everything)" : s))
    if (s !== "allJobs") options.push(el("option", { value: `${s}+` }, `${s} and downstream`))
  }
  select.replaceChildren(...options)
}

const say = (text, bad = false) => {
  $("run-message").textContent = text
  $("run-message").className = `message${bad ? " bad" : ""}`
}

const startRun = guard(async (dryRun) => {
  const node = $("selection").value
  const { status, body } = await api("/runs", { method: "POST", body: JSON.stringify({ node, dryRun }) })
  if (status === 202) {
    say(`${dryRun ? "Dry run" : "Run"} ${body.runId} started (${node}).`)
    if (dryRun) {
      state.lastDrySelection = node
      $("real-run-button").disabled = false
      $("real-run-button").title = `Start a real run of ${node}`
    }
  } else if (status === 409) {
    say(`Not started: ${body.message}`, true)
  } else {
    say(`Not started: ${body.message ?? `error ${status}`}`, true)
  }
  await loadRuns()
})

$("start-run").addEventListener("submit", (event) => {
  event.preventDefault()
  startRun(true)
})
$("selection").addEventListener("change", () => {
  const ready = $("selection").value === state.lastDrySelection
  $("real-run-button").disabled = !ready
  $("real-run-button").title = ready ? `Start a real run of ${state.lastDrySelection}` : "Start a dry run of this selection first"
})
$("real-run-button").addEventListener("click", () => {
  const node = $("selection").value
  if (node !== state.lastDrySelection) return
  if (window.confirm(`Start a REAL run of "${node}"? Leads will be sent to Kroton.`)) startRun(false)
})

// ---- budget ------------------------------------------------------------------------------------------
const renderBudget = (b) => {
  const box = $("budget")
  box.replaceChildren()
  const badges = $("budget-badges")
  badges.replaceChildren()
  const buckets = Math.max(1, Math.ceil((b.until - b.since) / b.bucketMs))
  $("budget-span").textContent = `last ${Math.round((b.until - b.since) / 3_600_000)} h, ${Math.round(b.bucketMs / 60_000)}-minute bars`
  for (const u of b.upstreams) {
    const ratio = u.limit ? u.used / u.limit : 0
    const paused = u.pausedUntil !== null && u.pausedUntil > Date.now()
    badges.append(el("span", { class: `badge${paused ? " paused" : ratio >= 0.8 ? " hot" : ""}`, "data-upstream": u.upstream },
      `${u.upstream} ${u.limit ? `${num(u.used)}/${num(u.limit)}` : "unlimited"}${paused ? " · paused (429)" : ""}`))
    const requests = new Map(b.requests.filter((r) => r.upstream === u.upstream).map((r) => [r.bucketMs, r.n]))
    const throttled = new Map()
    for (const e of b.events.filter((e) => e.upstream === u.upstream && e.kind === "429")) throttled.set(e.bucketMs, (throttled.get(e.bucketMs) ?? 0) + e.n)
    const cap = u.limit && u.windowMs ? (u.limit * b.bucketMs) / u.windowMs : 0
    // scaled to the busiest bar (the limit line shows when traffic comes near it)
    const busiest = Math.max(0, ...requests.values())
    const top = Math.max(4, busiest * 1.2)
    const svg = svgEl("svg", { class: "spark", viewBox: `0 0 ${buckets * 10} 64`, preserveAspectRatio: "none", role: "img", "aria-label": `${u.upstream} requests per bucket` })
    for (let i = 0; i < buckets; i++) {
      const at = Math.floor(b.since / b.bucketMs) * b.bucketMs + i * b.bucketMs
      const n = requests.get(at) ?? 0
      const h = (n / top) * 60
      if (n > 0) svg.append(svgEl("rect", { class: "req", x: i * 10 + 1, y: 64 - h, width: 8, height: h }))
      if ((throttled.get(at) ?? 0) > 0) svg.append(svgEl("rect", { class: "thr", x: i * 10 + 1, y: 0, width: 8, height: 5 }))
    }
    if (cap > 0 && cap <= top) svg.append(svgEl("line", { class: "cap", x1: 0, x2: buckets * 10, y1: 64 - (cap / top) * 60, y2: 64 - (cap / top) * 60 }))
    const total = [...requests.values()].reduce((a, n) => a + n, 0)
    const totalThrottled = [...throttled.values()].reduce((a, n) => a + n, 0)
    box.append(el("div", { class: "upstream", "data-upstream": u.upstream },
      el("div", { class: "up-head" },
        el("span", { class: "up-name" }, u.upstream),
        el("span", { class: "muted" }, u.limit ? `${num(u.used)} of ${num(u.limit)} per ${duration(u.windowMs)} now` : "no limit")),
      el("div", { class: `gauge${ratio >= 0.8 ? " hot" : ""}` }, el("div", { style: `width:${Math.min(100, ratio * 100)}%` })),
      svg,
      el("div", { class: "axis" }, el("span", {}, clock(b.since)), el("span", {}, `${num(total)} requests · ${num(totalThrottled)} × 429${cap > 0 ? ` · limit ${num(Math.round(cap))}/bar` : ""}`), el("span", {}, clock(b.until)))))
  }
}

const loadBudget = guard(async () => {
  const { status, body } = await api("/budget?hours=6")
  if (status === 200) renderBudget(body)
})

// ---- lead --------------------------------------------------------------------------------------------
const loadLead = guard(async (cpf) => {
  const box = $("lead")
  const { status, body } = await api(`/leads/${encodeURIComponent(cpf)}`)
  if (status !== 200) {
    box.replaceChildren(el("p", { class: "error" }, body.message ?? `error ${status}`))
    return
  }
  const kv = (k, v) => (v === undefined || v === null || v === "" ? [] : [el("dt", {}, k), el("dd", {}, String(v))])
  box.replaceChildren(
    el("p", { class: "lead-status" }, el("span", { class: `status ${body.status}` }, label(body.status)), " ", body.statusReason ?? ""),
    el("dl", { class: "kv" },
      kv("name", body.name), kv("e-mail", body.email), kv("phone", body.phone),
      kv("course", [body.course?.name, body.course?.modality].filter(Boolean).join(" · ")),
      kv("imported", when(body.createdAt)), kv("sent", body.sentAt && when(body.sentAt)), kv("last check", body.lastCheck && when(body.lastCheck)),
      kv("Kroton inscription", body.followUp?.krotonSubscriptionId)),
    el("ol", { class: "history" }, body.transitions.map((t) =>
      el("li", {}, `${when(t.at)}: ${t.from ? `${label(t.from)} → ` : ""}${label(t.to)} — ${t.reason}${t.step ? ` (${t.step})` : ""}`))))
})
$("lead-form").addEventListener("submit", (event) => {
  event.preventDefault()
  const cpf = $("lead-cpf").value.trim()
  if (cpf) loadLead(cpf)
})

// ---- start -------------------------------------------------------------------------------------------
const refresh = () => Promise.all([loadRuns(), loadBudget()])

const start = guard(async () => {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    // an open server (--insecure-local) answers without a token
    const probe = await fetch("/nodes")
    if (probe.status === 401) return askToken()
  }
  await loadNodes()
  $("token-form").hidden = true
  $("app").hidden = false
  $("forget-token").hidden = !sessionStorage.getItem(TOKEN_KEY)
  await Promise.all([loadFunnel(), refresh()])
  document.body.dataset.ready = "true"
  clearInterval(state.refreshTimer)
  state.refreshTimer = setInterval(refresh, 4000)
})

start()
