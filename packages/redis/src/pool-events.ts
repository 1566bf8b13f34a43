import { channels, describeValue, PoolOptionError, type PoolEventName } from '@pool/core';

/** Events of one ioredis client (`redis.on('ready', ...)`): a pool of many connections has none of them. */
const clientEvents = new Set(['ready', 'connect', 'close', 'end', 'reconnecting', 'wait', 'select', 'message', 'messageBuffer', 'pmessage', 'pmessageBuffer', 'smessage', 'smessageBuffer', 'monitor']);

/**
 * Checks the event name of `pool.on(event, listener)`: one of @pool/core's pool events, or
 * POOL_INVALID_OPTION. A listener on an event the pool never emits would wait in silence, and an
 * ioredis client's `'ready'` or `'end'` is the name code moved over from a plain client reaches for.
 */
export function checkPoolEvent(event: unknown): asserts event is PoolEventName {
  if (typeof event === 'string' && Object.hasOwn(channels, event)) return;
  const names = Object.keys(channels).map((name) => `'${name}'`).join(', ');
  const hint = typeof event === 'string' && clientEvents.has(event)
    ? ` '${event}' is an event of one ioredis client; the pool makes and replaces connections as needed: 'create' is a connection made and ready, 'destroy' one closed, 'availability' the server unreachable or back. A borrowed connection's own events: listen on the client inside withConnection`
    : '';
  throw new PoolOptionError('event', `[@pool/redis] expected a pool event (${names}), got ${describeValue(event)}.${hint}`);
}
