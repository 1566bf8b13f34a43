import { Worker } from 'node:worker_threads';
import { DemoError } from '../errors.js';
import { messageOf, type PgliteWorkerData } from './pglite-protocol.js';
import { attachPgliteWorker, type PgliteWorkerDeadlines } from './pglite-worker-client.js';
import type { EmbeddedServer } from './line-server.js';

/** PGlite served over the PostgreSQL wire protocol on 127.0.0.1, plus how it started. */
export interface PgliteServer extends EmbeddedServer {
  /** The connection limit pglite-socket enforces (the demo's pg pool stays below it). */
  readonly maxConnections: number;
  /** 'template' when the cached data directory was loaded, 'initdb' when a fresh one was created. */
  readonly startedFrom: 'template' | 'initdb';
  readonly startMs: number;
  /** Saves the data directory as a template so the next start skips initdb (first run only). */
  saveTemplate(): Promise<boolean>;
}

/** A first run's initdb takes 5-12 s on a busy 2-core machine; a template loads in about 1 s. */
export const PGLITE_DEADLINES: PgliteWorkerDeadlines = { startTimeoutMs: 45_000, saveTimeoutMs: 30_000, closeTimeoutMs: 5_000 };

/** The worker entry, compiled next to this file (dist/servers/pglite-worker.js). */
const WORKER_URL = new URL('./pglite-worker.js', import.meta.url);

/**
 * Starts PGlite (in memory) and a pglite-socket server in front of it, in a worker thread:
 * PGlite runs queries as synchronous WebAssembly, which on the main thread would hold up every
 * other embedded server and client of the demo. The worker keeps the data directory template in
 * `cacheDir` (see pglite-instance.ts) and relays its notes. A failed or overdue start rejects with
 * DEMO_SETUP_FAILED; `close()` stops it gracefully or terminates it.
 */
export function startPgliteServer(options: { cacheDir: string; maxConnections: number; note: (message: string) => void } & Partial<PgliteWorkerDeadlines>): Promise<PgliteServer> {
  const workerData: PgliteWorkerData = { cacheDir: options.cacheDir, maxConnections: options.maxConnections };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL, { workerData });
  } catch (error) {
    return Promise.reject(new DemoError('DEMO_SETUP_FAILED', `pg: cannot start PGlite's worker thread (${WORKER_URL.pathname}): ${messageOf(error)}`, { cause: error }));
  }
  return attachPgliteWorker(worker, {
    maxConnections: options.maxConnections,
    note: options.note,
    startTimeoutMs: options.startTimeoutMs ?? PGLITE_DEADLINES.startTimeoutMs,
    saveTimeoutMs: options.saveTimeoutMs ?? PGLITE_DEADLINES.saveTimeoutMs,
    closeTimeoutMs: options.closeTimeoutMs ?? PGLITE_DEADLINES.closeTimeoutMs,
  });
}
