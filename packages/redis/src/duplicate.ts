import { Redis, type RedisOptions } from 'ioredis';

/**
 * Gives a pooled connection a `duplicate()` (and so a `monitor()`, which ioredis builds on it) that
 * makes a client like the one its caller would have made without the pool: the same server,
 * credentials, db, name and `redisOptions`, with ioredis's defaults for what the pool takes over
 * (it connects at once, queues commands until ready, reconnects, retries).
 *
 * ioredis's own `duplicate()` copies `client.options`: there it would inherit the pool's settings
 * (`lazyConnect`, no offline queue, no reconnection: every command failed "Stream isn't writeable")
 * and lose the password the provider hides from `util.inspect` (a non-enumerable property is not
 * copied: NOAUTH or WRONGPASS). The new client is the caller's: not pooled, not tracked, not closed by
 * the pool; `override` wins over every option, as in ioredis.
 */
export function giveDuplicate(client: Redis, standalone: RedisOptions): void {
  Object.defineProperty(client, 'duplicate', {
    value: function duplicate(override?: Partial<RedisOptions>): Redis {
      return new Redis({ ...standalone, ...override });
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
}
