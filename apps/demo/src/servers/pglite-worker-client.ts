import type { Worker } from 'node:worker_threads';
import { DemoError } from '../errors.js';
import { messageOf, type PgliteRequest, type PgliteWorkerMessage } from './pglite-protocol.js';
import type { PgliteServer } from './pglite-server.js';

/** How long the main thread waits for the PGlite worker before giving up on it. */
export interface PgliteWorkerDeadlines {
  /** From spawn to `started` (a first run's initdb included); then the worker is terminated. */
  startTimeoutMs: number;
  /** For `saveTemplate()`; then it rejects (close() still ends the worker). */
  saveTimeoutMs: number;
  /** For a graceful stop in `close()`, and again for the thread to end after it; then it is terminated. */
  closeTimeoutMs: number;
}

/**
 * The main-thread side of the PGlite worker (pglite-worker.ts): resolves a {@link PgliteServer}
 * when the worker reports `started`. A `start-failed` message, an exception or exit of the worker
 * before that, or the start deadline, rejects with a DEMO_SETUP_FAILED error and terminates the
 * worker. After the start, a worker that dies is reported through `note`, and its pending
 * requests reject. `close()` never rejects, and when it resolves the worker thread has ended.
 */
export function attachPgliteWorker(worker: Worker, options: { maxConnections: number; note: (message: string) => void } & PgliteWorkerDeadlines): Promise<PgliteServer> {
  const began = performance.now();
  const pending = new Map<number, { what: string; settle(error: Error | undefined, value?: boolean): void }>();
  let nextId = 1;
  let phase: 'starting' | 'running' | 'closing' | 'gone' = 'starting';
  let goneReason = 'worker thread is not running';
  let failure: unknown; // the worker's uncaught exception, reported with its exit
  let ended!: () => void;
  const exited = new Promise<void>((resolve) => (ended = resolve));

  return new Promise<PgliteServer>((resolveStart, rejectStart) => {
    const startTimer = setTimeout(() => failStart(`PGlite did not start within ${seconds(options.startTimeoutMs)}; its worker thread was terminated`), options.startTimeoutMs);

    function failStart(message: string, cause?: unknown): void {
      if (phase !== 'starting') return;
      phase = 'gone';
      clearTimeout(startTimer);
      void worker.terminate();
      rejectStart(new DemoError('DEMO_SETUP_FAILED', `pg: ${message}`, cause === undefined ? undefined : { cause }));
    }

    function request(op: PgliteRequest['op'], timeoutMs: number, what: string): Promise<boolean> {
      if (phase === 'gone') return Promise.reject(new Error(`PGlite's ${goneReason}`));
      const id = nextId++;
      return new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => pending.get(id)?.settle(new Error(`PGlite did not ${what} within ${seconds(timeoutMs)}`)), timeoutMs);
        pending.set(id, {
          what,
          settle(error, value) {
            clearTimeout(timer);
            pending.delete(id);
            if (error) reject(error);
            else resolve(value === true);
          },
        });
        worker.postMessage({ id, op } satisfies PgliteRequest);
      });
    }

    // graceful: the worker stops its server and PGlite, answers, and its thread ends by itself;
    // otherwise it is terminated. Either way the thread is gone when close() resolves.
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => (closing ??= (async () => {
      if (phase === 'gone') return;
      phase = 'closing';
      try {
        await request('close', options.closeTimeoutMs, 'stop');
      } catch (error) {
        options.note(`${messageOf(error)}; its worker thread is terminated`);
        await worker.terminate();
        return;
      }
      if (!(await within(exited, options.closeTimeoutMs))) {
        options.note(`PGlite stopped, but its worker thread did not end within ${seconds(options.closeTimeoutMs)}; it is terminated`);
        await worker.terminate();
      }
    })());

    worker.on('message', (message: PgliteWorkerMessage) => {
      switch (message.type) {
        case 'note':
          options.note(message.message);
          return;
        case 'start-failed':
          failStart(`PGlite failed to start: ${message.message}`);
          return;
        case 'reply': {
          const request = pending.get(message.id);
          if (message.ok) request?.settle(undefined, message.value);
          else request?.settle(new Error(`PGlite could not ${request.what}: ${message.message}`));
          return;
        }
        case 'started': {
          if (phase !== 'starting') return;
          phase = 'running';
          clearTimeout(startTimer);
          const { port, startedFrom } = message;
          resolveStart({
            host: '127.0.0.1',
            port,
            maxConnections: options.maxConnections,
            startedFrom,
            startMs: Math.round(performance.now() - began),
            async saveTemplate() {
              if (phase !== 'running') return false;
              return request('saveTemplate', options.saveTimeoutMs, 'save its data directory template');
            },
            close,
          });
          return;
        }
      }
    });
    worker.on('messageerror', (error) => {
      if (phase === 'starting') failStart(`PGlite's worker thread sent a message that could not be read: ${error.message}`, error);
      else options.note(`PGlite: its worker thread sent a message that could not be read (${error.message})`);
    });
    worker.on('error', (error) => {
      failure = error; // the exit follows
    });
    worker.on('exit', (code) => {
      const reason = failure === undefined ? `worker thread exited (code ${code})` : `worker thread failed (${messageOf(failure)})`;
      const was = phase;
      if (was === 'starting') failStart(`PGlite's ${reason} before PostgreSQL started`, failure);
      phase = 'gone';
      goneReason = reason;
      if (was === 'running') options.note(`PGlite: its ${reason}; PostgreSQL is gone for the rest of the run`);
      for (const request of [...pending.values()]) request.settle(new Error(`PGlite's ${reason}`));
      ended();
    });
  });
}

/** Whether `promise` settles within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
