import type { CreateContext, Pool } from '@pool/core';
import type { Redis } from 'ioredis';
import { recordOwnListeners } from './borrower-listeners.js';
import { isAuthRefusal, isReplicaFailoverRedisError } from './classify.js';
import { closeNow } from './close.js';
import type { RedisProviderConfig } from './config.js';
import { addressKey, type NodeAddress } from './node-address.js';
import { OpenSessions } from './open-sessions.js';
import { redisProvider, type RedisProvider } from './provider.js';
import { resolveSentinelOptions, type RedisSentinelOptions, type ResolvedSentinelOptions } from './sentinel-config.js';
import { SentinelDirectory, type SwitchMaster } from './sentinel-directory.js';
import { RedisTopologyError } from './topology-errors.js';

/** A provider whose server is whatever the sentinels name: the current primary, or one of its replicas. */
export interface SentinelRedisProvider extends RedisProvider {
  readonly sentinel: Readonly<Omit<ResolvedSentinelOptions, 'password'>>;
  /** The server the last connection was made to (`host:port`), or undefined before the first. */
  readonly current: string | undefined;
  /** Starts following `+switch-master`: evicts every connection of `pool` when the primary moves. */
  attach(pool: Pool<Redis>): void;
  /** Closes the sentinel connections. */
  close(): void;
}

/** `ROLE`: `master`, or `slave` with the state of its link (`connected` once in sync). */
async function roleOf(client: Redis): Promise<{ role: string; linked: boolean }> {
  const reply = (await client.call('ROLE')) as unknown[];
  const role = String(reply[0]);
  return { role, linked: role === 'slave' && String(reply[3]) === 'connected' };
}

/**
 * A {@link RedisProvider} for Redis Sentinel: each create asks the sentinels where the primary is
 * (`role: 'replica'`: a healthy replica, in turn), connects there, and checks the server's `ROLE`
 * (a sentinel that has not yet seen a failover names the old primary; such a create fails with
 * REDIS_ROLE_MISMATCH and is retried, paced by the pool's backoff, within the callers' deadlines).
 * Once attached to its pool, a `+switch-master` from any sentinel evicts every connection; a
 * READONLY or UNBLOCKED reply does the same through `isFailover`, and a refused connect is a
 * transient create error, so the pool re-resolves the primary on its own.
 */
export function sentinelProvider(config: RedisProviderConfig & RedisSentinelOptions): SentinelRedisProvider {
  const { sentinel, rest } = resolveSentinelOptions(config);
  // validates the data-server options once, before any server is known
  const template = redisProvider({ ...rest, host: '127.0.0.1', port: 6379 });
  const directory = new SentinelDirectory(sentinel);
  const providers = new Map<string, RedisProvider>();
  let current: NodeAddress | undefined;
  let pool: Pool<Redis> | undefined;
  let lastSwitch: string | undefined;
  /** A replica `+promoted-slave` announced: the primary until the sentinels name it too (or its ROLE says otherwise). */
  let promoted: NodeAddress | undefined;
  /** Every connection with a live session, by server: a failover closes those to the old primary at once. */
  const live = new OpenSessions<string>();
  const wanted = sentinel.role === 'primary' ? 'master' : 'slave';

  function providerFor(address: NodeAddress): RedisProvider {
    const key = addressKey(address);
    let provider = providers.get(key);
    if (provider === undefined) {
      provider = redisProvider({ ...rest, host: address.host, port: address.port });
      providers.set(key, provider);
    }
    return provider;
  }

  async function locate(signal: AbortSignal): Promise<NodeAddress> {
    if (sentinel.role === 'replica') return directory.replica(signal);
    const named = await directory.primary(signal);
    if (promoted !== undefined && addressKey(named) === addressKey(promoted)) promoted = undefined;
    return promoted ?? named;
  }

  async function create(ctx: CreateContext): Promise<Redis> {
    const address = await locate(ctx.signal);
    const client = await providerFor(address).create(ctx);
    try {
      const { role, linked } = await roleOf(client);
      if (role !== wanted || (wanted === 'slave' && !linked)) {
        if (promoted !== undefined && addressKey(promoted) === addressKey(address)) promoted = undefined;
        throw new RedisTopologyError('REDIS_ROLE_MISMATCH', `${addressKey(address)}, named by the sentinels of '${sentinel.name}', is a ${role}${role === 'slave' && !linked ? ' still syncing' : ''}, not a ${sentinel.role}`);
      }
    } catch (error) {
      closeNow(client);
      throw error;
    }
    current = address;
    // a borrower's own reconnect (disconnect(), then connect()) brings it back to the same server: counted again
    live.track(client, addressKey(address));
    // those listeners are the pool's own: release keeps them (and removes a borrower's)
    recordOwnListeners(client);
    return client;
  }

  function onSwitch(change: SwitchMaster): void {
    const to = addressKey(change.to);
    // every sentinel announces the same switch (and +promoted-slave comes before +switch-master): act once per new primary
    if (to === lastSwitch) return;
    lastSwitch = to;
    if (change.promoted && sentinel.role === 'primary') promoted = change.to;
    const reason = new RedisTopologyError('REDIS_ROLE_MISMATCH', `${change.promoted ? '+promoted-slave' : '+switch-master'}: '${sentinel.name}' moved from ${addressKey(change.from)} to ${to}`);
    pool?.evictAll(reason);
    if (sentinel.role !== 'primary') return;
    // a borrowed connection to the old primary would go on writing there until released, and what
    // the old primary takes from now on is lost when it rejoins as a replica: close those now (their
    // callers get "Connection is closed.", the pool replaces them on the new primary)
    for (const [client, server] of live.entries()) if (server !== to) closeNow(client);
  }

  function onResubscribed(): void {
    // a switch may have passed while a watch connection was down: look again
    if (pool === undefined || current === undefined || sentinel.role !== 'primary') return;
    const before = addressKey(current);
    directory.primary().then(
      (address) => {
        if (addressKey(address) !== before) onSwitch({ from: current as NodeAddress, to: address, promoted: false });
      },
      () => undefined,
    );
  }

  const { password: _password, ...visible } = sentinel;
  return {
    ...template,
    get config() {
      return current === undefined ? template.config : providerFor(current).config;
    },
    get address() {
      return current === undefined ? `sentinels of '${sentinel.name}'` : addressKey(current);
    },
    get current() {
      return current === undefined ? undefined : addressKey(current);
    },
    sentinel: visible,
    create,
    isFailover: sentinel.role === 'replica' ? isReplicaFailoverRedisError : template.isFailover,
    classifyCreateError(error) {
      // sentinels that cannot be reached or do not know the name yet, and a server not yet in its
      // role, are states a failover passes through: keep trying within the callers' deadlines
      if (error instanceof RedisTopologyError) return 'transient';
      // the password rotated on the server while sessions it authenticated live on (see redisProvider)
      if (live.size > 0 && isAuthRefusal(error)) return 'busy';
      return template.classifyCreateError?.(error) ?? 'transient';
    },
    attach(target) {
      pool = target;
      directory.watch(onSwitch, onResubscribed);
    },
    close() {
      directory.close();
    },
  };
}
