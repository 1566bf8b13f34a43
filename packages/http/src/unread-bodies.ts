import { PoolTimeoutError, type PoolError } from '@pool/core';
import type { HttpConnection } from './connection.js';

/**
 * A request's acquire timed out, every connection busy (`error`: core's POOL_TIMEOUT): when
 * responses whose bodies are not being read hold connections, the same error with a message that
 * says how many and what to do. An unread body is the usual cause: undici stops reading a
 * response's socket once its body's buffer is full (64 KiB for `request()`), so the response never
 * ends and its connection is never given back. undici's Pool then waits for ever (its `bodyTimeout`
 * does not run while the body is paused).
 */
export function explainSaturation(error: PoolError, connections: ReadonlySet<HttpConnection>, display: string): PoolError {
  let unread = 0;
  for (const connection of connections) if (connection.holder?.bodyPaused === true) unread++;
  if (unread === 0) return error;
  const total = connections.size;
  const held = unread === 1 ? `1 of the ${total} connections to ${display} is held by a response whose body is` : `${unread} of the ${total} connections to ${display} are held by responses whose bodies are`;
  return new PoolTimeoutError('acquire', (error as Partial<PoolTimeoutError>).elapsedMs ?? 0, `${error.detail}; ${held} not being read. A response keeps its connection until its body has been read to the end: read every body (await body.text(), body.json(), for await ... of body; with fetch, await res.text()) or discard it (await body.dump(); with fetch, await res.body?.cancel())`, { pool: error.pool });
}
