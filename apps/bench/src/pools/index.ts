import { core } from './core.js';
import { floor } from './floor.js';
import { genericPoolContender } from './generic-pool.js';
import { minimal } from './minimal.js';
import { minimalLease } from './minimal-lease.js';
import { pgPoolContender } from './pg-pool.js';
import { tarnContender } from './tarn.js';
import type { PoolContender } from './types.js';

export type { BenchPool, PoolContender } from './types.js';
export { MinimalPool } from './minimal-pool.js';

/** Every pool in W1–W4, in run order (the hand-written pool is the ratio baseline). */
export const contenders: readonly PoolContender[] = [minimal, minimalLease, core, genericPoolContender, tarnContender, pgPoolContender, floor];
