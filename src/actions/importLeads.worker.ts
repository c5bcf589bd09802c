// Worker thread of importLeads: reads and validates the file on the second core, in a small heap of its own
// (resourceLimits), and posts batches of columns back. It runs ahead of the database by at most `credits`
// batches: the main thread returns a credit each time a batch is stored. Imports only strip-safe modules
// (no parameter properties), so Node's own type stripping can load it when no TS loader is registered.
import { createReadStream } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { ImportReader, ImportReadError, type ReaderOptions } from "../domain/ImportReader.ts"

export interface WorkerInput extends ReaderOptions {
  readonly file: string
  readonly credits: number
}

export type WorkerMessage =
  | { readonly type: "batch"; readonly partition: number; readonly batch: import("../domain/ImportBatch.ts").ImportBatch }
  | { readonly type: "done"; readonly tally: import("../domain/ImportReader.ts").Tally }
  | { readonly type: "failed"; readonly unreadable: boolean; readonly message: string; readonly code: string | undefined }

const port = parentPort!
const input = workerData as WorkerInput
let credits = input.credits
let wake: (() => void) | undefined
port.on("message", (m: unknown) => {
  if (m === "credit") {
    credits++
    const w = wake
    wake = undefined
    w?.()
  }
})

const send = async (message: WorkerMessage) => {
  if (message.type === "batch") {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve))
    credits--
  }
  port.postMessage(message)
}

const main = async () => {
  const reader = new ImportReader(input)
  try {
    for await (const chunk of createReadStream(input.file, { encoding: "utf8", highWaterMark: 64 * 1024 })) {
      reader.push(chunk as string)
      for (const [partition, batch] of reader.takeReady()) await send({ type: "batch", partition, batch })
    }
    reader.end()
    for (const [partition, batch] of reader.takeReady()) await send({ type: "batch", partition, batch })
    await send({ type: "done", tally: reader.tally() })
  } catch (e) {
    const code = (e as { code?: unknown }).code
    await send({
      type: "failed",
      unreadable: e instanceof ImportReadError || typeof code === "string",
      message: e instanceof Error ? e.message : String(e),
      code: typeof code === "string" ? code : undefined
    })
  }
  port.close()
}

void main()
