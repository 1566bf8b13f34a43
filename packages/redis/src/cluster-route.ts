import { isPoolError } from '@pool/core';
import type { Redis } from 'ioredis';
import { isFatalRedisError } from './classify.js';
import { holdLimit, type Plan } from './cluster-call.js';
import { isNotExecuted, redirectOf, type Redirect } from './cluster-redirect.js';
import { isRedisPoolError } from './errors.js';
import type { NodeAddress } from './node-address.js';
import type { CallOptions, RedisPool } from './redis-pool.js';
import { RedisTopologyError } from './topology-errors.js';

/** A call's work on the connection it was lent; `asking`: send ASKING first (an ASK redirect). */
export type Work<T> = (client: Redis, asking: boolean) => Promise<T>;

/** What routing a call needs of the cluster pool: its slot map, its node pools and its refreshes. */
export interface ClusterRouter {
  readonly closed: boolean;
  readonly queryTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  /** The `host:port` of the primary that owns `slot` now, if the map knows one. */
  ownerOf(slot: number): string | undefined;
  addressOf(key: string): NodeAddress | undefined;
  hasNode(key: string): boolean;
  /** The node pool of `key`, created on first use. */
  node(key: string, address?: NodeAddress): RedisPool;
  /** Loads the slot map (first call) or reloads it. */
  load(): Promise<void>;
  refresh(): Promise<void>;
  refreshSoon(): void;
  moved(redirect: Redirect): void;
}

/**
 * Runs `work` on a connection of the primary that owns `slot`, within the caller's deadline: follows
 * one MOVED or ASK redirect (retryable calls only), retries a call the server provably did not run
 * (role change, slot moving, the node's pool closed under a queued caller) after a refresh, and asks
 * for a background refresh after a failure that points at a dead node.
 */
export async function routeCall<T>(router: ClusterRouter, slot: number, work: Work<T>, options: CallOptions, plan: Plan): Promise<T> {
  const { retryable } = plan;
  const held = holdLimit(plan, options, router.queryTimeoutMs);
  if (router.ownerOf(slot) === undefined) await router.load();
  const deadline = performance.now() + (options.timeoutMs ?? router.acquireTimeoutMs);
  let ask: Redirect | undefined;
  let redirects = 0;
  let retries = 0;
  for (;;) {
    const owner = ask?.key ?? router.ownerOf(slot);
    if (owner === undefined) throw new RedisTopologyError('REDIS_SLOT_UNCOVERED', `no primary serves slot ${slot} (cluster down or being set up)`);
    const node = router.node(owner, ask?.address);
    const asking = ask !== undefined;
    ask = undefined;
    const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
    try {
      return await node.withConnection((client) => work(client, asking), { ...(options.signal !== undefined ? { signal: options.signal } : {}), timeoutMs, ...held } as CallOptions);
    } catch (error) {
      if (router.closed || options.signal?.aborted) throw error;
      const host = router.addressOf(owner)?.host ?? '127.0.0.1';
      const redirect = redirectOf(error, host);
      if (redirect !== undefined) {
        if (redirect.kind === 'MOVED') router.moved(redirect);
        if (!retryable) throw error;
        if (++redirects > 1) throw new RedisTopologyError('REDIS_TOO_MANY_REDIRECTS', `slot ${slot} was redirected again after a retry (${redirect.kind} to ${redirect.key})`, { cause: error });
        if (redirect.kind === 'ASK') ask = redirect;
        continue;
      }
      const left = deadline - performance.now();
      if (retryable && isNotExecuted(error) && retries++ < 3 && left > 50) {
        // the node changed role or the slot is moving: give the cluster a moment, then look again
        await new Promise((resolve) => setTimeout(resolve, Math.min(100, left / 4)));
        await router.refresh().catch(() => undefined);
        continue;
      }
      // the node's pool was closed under a queued caller (no longer a primary): nothing ran, go to the new owner
      if (isPoolError(error, 'POOL_CLOSED') && !router.hasNode(owner) && retries++ < 3) {
        await router.refresh().catch(() => undefined);
        continue;
      }
      if (isFatalRedisError(error) || isRedisPoolError(error, 'REDIS_CONNECT_FAILED') || isPoolError(error, 'POOL_TIMEOUT') || isPoolError(error, 'POOL_UNAVAILABLE')) {
        router.refreshSoon();
      }
      throw error;
    }
  }
}
