// Tells the team on Slack (incoming webhook); without SLACK_WEBHOOK_URL it logs instead.
// A failing Slack never fails a run, so `notify` cannot fail.
import { Context, type Effect } from "effect"

export interface Notification {
  /** plain text, already free of personal data */
  readonly text: string
  readonly blocks?: ReadonlyArray<unknown>
}

export class Notifier extends Context.Service<Notifier, {
  readonly notify: (notification: Notification) => Effect.Effect<void>
}>()("kroton-leads/Notifier") {}
