// Tells the team on Slack (incoming webhook); without SLACK_WEBHOOK_URL it logs instead.
// A failing Slack never fails a run, so `notify` cannot fail.
import { IncomingWebhook, type IncomingWebhookSendArguments } from "@slack/webhook"
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Ref } from "effect"
import { maskText } from "../domain/Mask.ts"
import { durationOr } from "./upstream/Settings.ts"

export interface Notification {
  /** plain text, already free of personal data */
  readonly text: string
  readonly blocks?: ReadonlyArray<unknown>
}

/** Last guard against personal data: masks CPF, e-mail and phone in the text and in every string of the blocks. */
export const maskNotification = (notification: Notification): Notification => {
  const deep = (value: unknown): unknown =>
    typeof value === "string"
      ? maskText(value)
      : Array.isArray(value)
      ? value.map(deep)
      : value !== null && typeof value === "object"
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]))
      : value
  const text = maskText(notification.text)
  return notification.blocks === undefined ? { text } : { text, blocks: notification.blocks.map(deep) }
}

/** What a failed post says, without the webhook URL (a secret: whoever has it can post to the channel). */
const describeFailure = (error: unknown, url: string): string => {
  const e = error as { readonly code?: unknown; readonly message?: unknown; readonly original?: { readonly cause?: { readonly code?: unknown } } }
  const parts = [
    typeof e.code === "string" ? e.code : undefined,
    typeof e.message === "string" ? e.message : String(error),
    typeof e.original?.cause?.code === "string" ? e.original.cause.code : undefined
  ].filter((p) => p !== undefined)
  return maskText(parts.join(": ").split(url).join("<webhook>"))
}

/** Posts to Slack within `timeout`; any failure is a warning in the log, never an error of the caller. */
export const makeSlack = (url: Redacted.Redacted<string>, timeout: Duration.Input) => {
  const secret = Redacted.value(url)
  // no retries: a lost notification is better than a run that waits on Slack
  const webhook = new IncomingWebhook(secret, { timeout: Duration.toMillis(Duration.fromInputUnsafe(timeout)) })
  return Notifier.of({
    notify: Effect.fn("Notifier.notify")(function*(notification: Notification) {
      const masked = maskNotification(notification)
      const message: IncomingWebhookSendArguments = masked.blocks === undefined
        ? { text: masked.text }
        : { text: masked.text, blocks: masked.blocks as NonNullable<IncomingWebhookSendArguments["blocks"]> }
      yield* Effect.tryPromise({ try: () => webhook.send(message), catch: (e) => e }).pipe(
        Effect.catch((e) => Effect.logWarning(`Slack notification not delivered: ${describeFailure(e, secret)}`)),
        Effect.asVoid
      )
    })
  })
}

/** Without a webhook the message goes to the log. */
export const logOnly = () =>
  Notifier.of({
    notify: (notification: Notification) =>
      Effect.logInfo(maskNotification(notification).text).pipe(Effect.annotateLogs("notifier", "log"))
  })

/** Messages the test layer received (already masked, as Slack would get them). */
export class SentNotifications extends Context.Service<SentNotifications, {
  readonly sent: Effect.Effect<ReadonlyArray<Notification>>
  readonly clear: Effect.Effect<void>
}>()("kroton-leads/SentNotifications") {}

export class Notifier extends Context.Service<Notifier, {
  readonly notify: (notification: Notification) => Effect.Effect<void>
}>()("kroton-leads/Notifier") {
  /** SLACK_WEBHOOK_URL (secret, optional: unset or empty logs instead), SLACK_TIMEOUT (default 5 seconds). */
  static readonly layer = Layer.effect(
    this,
    Effect.gen(function*() {
      const url = yield* Config.option(Config.Redacted("SLACK_WEBHOOK_URL"))
      const timeout = yield* durationOr("SLACK_TIMEOUT", "5s")
      return Option.isSome(url) && Redacted.value(url.value).trim().length > 0
        ? makeSlack(url.value, timeout)
        : logOnly()
    })
  )

  /** Records every message in memory; read them with `SentNotifications`. */
  static readonly layerTest: Layer.Layer<Notifier | SentNotifications> = Layer.effectContext(
    Effect.gen(function*() {
      const ref = yield* Ref.make<ReadonlyArray<Notification>>([])
      return Context.make(Notifier, {
        notify: (notification: Notification) => Ref.update(ref, (all) => [...all, maskNotification(notification)])
      }).pipe(
        Context.add(SentNotifications, { sent: Ref.get(ref), clear: Ref.set(ref, []) })
      )
    })
  )
}
