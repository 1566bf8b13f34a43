/**
 * The one allow-list of @pool/redis option keys. An option a new feature adds (Sentinel's
 * `sentinels`, `name`, `role`, ...) is one entry here; every other key is refused with
 * POOL_INVALID_OPTION and a "did you mean".
 */

/** Keys of {@link RedisProviderConfig} (the connection settings). */
export const providerOptionKeys: ReadonlySet<string> = new Set([
  'url', 'host', 'port', 'username', 'password', 'db', 'clientName', 'connectTimeoutMs', 'reset', 'redisOptions',
]);

/** Keys only the ready-made client ({@link createRedisPool}) takes, on top of the provider's. */
export const clientOnlyOptionKeys: ReadonlySet<string> = new Set(['pool', 'queryTimeoutMs']);

/** Every key {@link createRedisPool} accepts. */
export const clientOptionKeys: ReadonlySet<string> = new Set([...providerOptionKeys, ...clientOnlyOptionKeys]);

/**
 * ioredis options the top-level keys own: in `redisOptions` they would be silently overridden, so
 * they are refused there. `sentinels` too: ioredis would quietly connect through its own Sentinel
 * connector while the pool believed (and traced, and named) `host:port`, and nothing would follow a
 * failover; the top-level `sentinels` (createRedisPool) does.
 */
export const ownedRedisOptionKeys: ReadonlySet<string> = new Set(['host', 'port', 'username', 'password', 'db', 'connectionName', 'sentinels']);
