// The messages between the demo's main thread and the worker thread that runs PGlite
// (pglite-worker.ts). PGlite executes queries as synchronous WebAssembly: on the main thread it
// would stall every other embedded server and client of the demo while it works.

/** What the main thread hands the worker (its `workerData`). */
export interface PgliteWorkerData {
  /** Where the gzipped data directory template is cached. */
  cacheDir: string;
  /** The connection limit of the pglite-socket server. */
  maxConnections: number;
}

/** A request from the main thread; the worker answers each with one `reply` carrying its id. */
export interface PgliteRequest {
  id: number;
  op: 'saveTemplate' | 'close';
}

/** Everything the worker posts to the main thread. */
export type PgliteWorkerMessage =
  /** A line for the user (a damaged template, a fallback to initdb). */
  | { type: 'note'; message: string }
  /** The socket server is listening on 127.0.0.1:port. */
  | { type: 'started'; port: number; startedFrom: 'template' | 'initdb' }
  /** PGlite or its server could not start; the worker then ends. */
  | { type: 'start-failed'; message: string }
  /** The answer to a request: `value` is saveTemplate's result (false for close). */
  | { type: 'reply'; id: number; ok: true; value: boolean }
  | { type: 'reply'; id: number; ok: false; message: string };

/** A thrown value as one line of text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
