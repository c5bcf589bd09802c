// Counts by outcome, as each step reports them.
import type { Counts } from "../dag/Node.ts"

export class Outcomes {
  private readonly counts = new Map<string, number>()
  add(outcome: string, n = 1): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + n)
  }
  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0
  }
  toCounts(): Counts {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }
}
