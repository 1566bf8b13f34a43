import { scrubError } from '@pool/core/adapter-kit';
import { Redis, type RedisOptions } from 'ioredis';
import { closeNow } from './close.js';
import { addressKey, type NodeAddress } from './node-address.js';
import { SLOT_COUNT } from './slot.js';
import { RedisTopologyError } from './topology-errors.js';

/** Which primary serves each slot (`host:port`, or undefined for an uncovered slot), and the primaries' addresses. */
export interface SlotMap {
  owners: (string | undefined)[];
  primaries: Map<string, NodeAddress>;
  /** The node that answered. */
  from: string;
}

/** `CLUSTER SLOTS` (Redis >= 3; `CLUSTER SHARDS` carries the same for our needs) as a slot map. */
export function parseClusterSlots(reply: unknown, askedHost: string, from: string): SlotMap {
  const owners = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  const primaries = new Map<string, NodeAddress>();
  if (!Array.isArray(reply)) throw new Error(`unexpected CLUSTER SLOTS reply from ${from}`);
  for (const range of reply) {
    if (!Array.isArray(range) || range.length < 3) continue;
    const start = Number(range[0]);
    const end = Number(range[1]);
    const primary = range[2] as unknown[];
    const rawHost = String(primary[0] ?? '');
    const host = rawHost === '' || rawHost === '?' ? askedHost : rawHost;
    const address = { host, port: Number(primary[1]) };
    const key = addressKey(address);
    primaries.set(key, address);
    for (let slot = start; slot <= end && slot < SLOT_COUNT; slot++) owners[slot] = key;
  }
  return { owners, primaries, from };
}

/**
 * Asks the nodes in turn for `CLUSTER SLOTS` on a short-lived connection (not a pool connection:
 * the asked node may be a replica or a seed the pools do not use), each within `timeoutMs`.
 * A node whose map covers no slot (not yet joined) is skipped.
 */
export async function fetchSlotMap(candidates: NodeAddress[], options: RedisOptions, timeoutMs: number, secrets: readonly string[]): Promise<SlotMap> {
  let lastError: unknown;
  for (const address of candidates) {
    const client = new Redis({ ...options, host: address.host, port: address.port, lazyConnect: true, connectTimeout: timeoutMs, connectionName: 'pool-cluster-topology' });
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        client.connect().then(() => client.call('CLUSTER', 'SLOTS')),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${addressKey(address)} did not answer CLUSTER SLOTS within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const map = parseClusterSlots(reply, address.host, addressKey(address));
      if (map.primaries.size > 0) return map;
      lastError = new Error(`${addressKey(address)} serves no slot (not part of a cluster yet)`);
    } catch (error) {
      // ioredis keeps AUTH's arguments on the error (`command.args`): never let the password out
      lastError = scrubError(error, secrets);
    } finally {
      clearTimeout(timer);
      closeNow(client);
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new RedisTopologyError('REDIS_TOPOLOGY_UNAVAILABLE', `no cluster node answered CLUSTER SLOTS (${candidates.map(addressKey).join(', ')}): ${reason}`, { cause: lastError });
}
