import { PoolTimeoutError, type PoolError } from '@pool/core';
import type { HttpConnection } from './connection.js';

/**
 * A request's acquire timed out, every connection busy (`error`: core's POOL_TIMEOUT): when
 * responses whose bodies are not being read hold connections, the same error with a message that
 * says how many and what to do. An unread body is the usual cause: undici stops reading a
 * response's socket once its body's buffer is full (64 KiB for `request()`), so the response never
 * ends and its connection is never given back. undici's Pool then waits for ever (its `bodyTimeout`
 * does not run while the body is paused).
 *
 * A body counts as unread when it has been paused for at least half of the caller's wait: a body
 * read more slowly than the server sends it is paused between its reads too (a reader taking 20 ms
 * per chunk was paused at most instants), and was wrongly called unread. A forgotten body is paused
 * for good from its first 64 KiB on.
 */
export function explainSaturation(error: PoolError, connections: ReadonlySet<HttpConnection>, display: string): PoolError {
  const waitedMs = (error as Partial<PoolTimeoutError>).elapsedMs ?? 0;
  const pausedBy = performance.now() - waitedMs / 2;
  let unread = 0;
  for (const connection of connections) {
    const pausedAt = connection.holder?.bodyPausedAt;
    if (pausedAt !== undefined && pausedAt >= 0 && pausedAt <= pausedBy) unread++;
  }
  if (unread === 0) return error;
  const total = connections.size;
  const held = unread === 1 ? `1 of the ${total} connections to ${display} is held by a response whose body is` : `${unread} of the ${total} connections to ${display} are held by responses whose bodies are`;
  return new PoolTimeoutError('acquire', waitedMs, `${error.detail}; ${held} not being read. A response keeps its connection until its body has been read to the end: read every body (await body.text(), body.json(), for await ... of body; with fetch, await res.text()) or discard it (await body.dump(); with fetch, await res.body?.cancel())`, { pool: error.pool });
}
