import { PoolOptionError } from '@pool/core';
import type { RedisKey } from 'ioredis';
import { keySlot } from './slot.js';
import { RedisTopologyError } from './topology-errors.js';

const keyText = (key: RedisKey): string => (typeof key === 'string' ? key : Buffer.isBuffer(key) ? key.toString('utf8') : String(key));

/**
 * The slot of `key` as the server receives it: with ioredis's `keyPrefix` in front (ioredis prepends
 * it to every key it sends, so `{tag}` in the prefix or the key decides the slot like on the wire).
 */
export function slotOfKey(key: RedisKey, keyPrefix = ''): number {
  const raw = typeof key === 'string' || Buffer.isBuffer(key) ? key : String(key);
  if (keyPrefix === '') return keySlot(raw);
  return keySlot(typeof raw === 'string' ? keyPrefix + raw : Buffer.concat([Buffer.from(keyPrefix, 'utf8'), raw]));
}

/**
 * The one slot all `keys` of a cluster call hash to (with `keyPrefix` in front, as sent);
 * REDIS_CROSS_SLOT (with `slots`: slot -> keys as the caller wrote them) when they differ, as Redis
 * would answer CROSSSLOT, but before anything is sent.
 */
export function slotOfKeys(keys: RedisKey | RedisKey[], keyPrefix = ''): number {
  const list = Array.isArray(keys) ? keys : [keys];
  if (list.length === 0) throw new PoolOptionError('keys', '[@pool/redis] invalid option `keys`: a cluster call needs at least one key to route by');
  const slots: Record<number, string[]> = {};
  let first = -1;
  let mixed = false;
  for (const key of list) {
    const slot = slotOfKey(key, keyPrefix);
    (slots[slot] ??= []).push(keyText(key));
    if (first === -1) first = slot;
    else if (slot !== first) mixed = true;
  }
  if (mixed) {
    const described = Object.entries(slots).map(([slot, names]) => `slot ${slot}: ${names.join(', ')}`).join('; ');
    throw new RedisTopologyError('REDIS_CROSS_SLOT', `the keys of one cluster call must share a slot (use a hash tag such as {user:1}); got ${described}`, { slots });
  }
  return first;
}
