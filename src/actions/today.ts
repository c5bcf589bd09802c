// Registration deadlines are Brazilian dates: "today" is the date in São Paulo.
import { Clock, Effect } from "effect"

const formatter = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo", year: "numeric", month: "2-digit", day: "2-digit" })

export const dateInSaoPaulo = (millis: number): string => formatter.format(new Date(millis))

export const today = Effect.map(Clock.currentTimeMillis, dateInSaoPaulo)
