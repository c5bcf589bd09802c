// Structured logs on stderr (stdout stays for reports): JSON when not on a TTY, logfmt on a terminal.
// Every line passes through maskText: a CPF, e-mail or phone never reaches a log whole (LGPD).
import { Logger } from "effect"
import { maskText } from "./domain/Mask.ts"

export const maskedLogger = (format: Logger.Logger<unknown, string>) =>
  format.pipe(Logger.map(maskText), Logger.withConsoleError)

export const layer = Logger.layer([maskedLogger(process.stderr.isTTY ? Logger.formatLogFmt : Logger.formatJson)])
