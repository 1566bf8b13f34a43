import { PoolTimeoutError, unwatchAbort, watchAbort, type Lease } from '@pool/core';
import type { Redis } from 'ioredis';
import { closeNow } from './close.js';
import { isOpen } from './open.js';

/** What one guarded call needs to know. */
export interface GuardedCall<T> {
  /** For messages: the command name or 'withConnection' / 'transaction'. */
  operation: string;
  /** The deadline once the connection is held, in ms (Infinity: none). */
  deadlineMs: number;
  signal: AbortSignal | undefined;
  /** The pool's name, for the timeout error. */
  pool: string;
  /** When true, a connection that is not writable fails the call before anything is sent (retry is safe). */
  checkWritable: boolean;
  fn: (client: Redis) => Promise<T> | T;
}

/**
 * The error for a command that was never written because its connection was already gone: its
 * message and class are ioredis's own for a closed connection, marked so the call can be retried.
 */
export function neverSentError(status: string): Error {
  return Object.assign(new Error(`Stream isn't writeable (connection status ${status}); the command was never sent`), { code: 'POOL_CONNECTION_LOST' });
}

/**
 * Runs `fn` on a borrowed connection under a deadline. On expiry the connection is closed at once
 * and its lease destroyed (a reply may still be on its way: never reused), and the call rejects with
 * POOL_TIMEOUT phase 'query'. An abort of `signal` closes the connection too (see RedisPool).
 */
export function runGuarded<T>(client: Redis, lease: Lease<Redis>, call: GuardedCall<T>): Promise<T> {
  const { signal, deadlineMs } = call;
  if (call.checkWritable && !isOpen(client)) return Promise.reject(neverSentError(client.status));
  const onAbort = () => closeNow(client);
  if (signal !== undefined) {
    if (signal.aborted) onAbort();
    else watchAbort(signal, onAbort); // one listener per shared signal, however many calls
  }
  let work: Promise<T>;
  try {
    work = Promise.resolve(call.fn(client));
  } catch (error) {
    work = Promise.reject(error);
  }
  const unwatch = () => {
    if (signal !== undefined) unwatchAbort(signal, onAbort);
  };
  if (deadlineMs === Infinity) return work.finally(unwatch);
  const started = performance.now();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      unwatch();
      const error = new PoolTimeoutError('query', Math.round(performance.now() - started),
        `${call.operation} had no reply within ${deadlineMs} ms (queryTimeoutMs); its connection was closed, never reused`, { pool: call.pool });
      closeNow(client);
      if (!lease.released) lease.destroy(error);
      reject(error);
    }, deadlineMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        unwatch();
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        unwatch();
        reject(error);
      },
    );
  });
}
