import type { Dispatcher } from 'undici';

const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** RFC 9110 idempotent methods, unless the request says otherwise with undici's `idempotent` option. */
export function isIdempotent(opts: Dispatcher.DispatchOptions): boolean {
  if (typeof opts.idempotent === 'boolean') return opts.idempotent;
  return idempotentMethods.has(opts.method.toUpperCase());
}

/** True when the body can be sent a second time (none, a string or bytes; not a stream or iterator). */
export function isReplayableBody(body: unknown): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}
