import { expect } from 'vitest';
import type { PoolStats, ResourceProvider } from '../../src/index.js';

/** A resource the fake provider makes: it knows whether it was destroyed and how often. */
export interface Fake {
  readonly id: number;
  broken: boolean;
  destroyCalls: number;
}

export interface FakeProvider extends ResourceProvider<Fake> {
  readonly made: Fake[];
  readonly destroyed: Fake[];
  /** Signals passed to create, in order. */
  readonly createSignals: AbortSignal[];
  /** Creates currently in flight. */
  inFlight: number;
  /** Highest number of creates in flight at once. */
  peakInFlight: number;
}

/**
 * A provider of plain objects. `hooks` replace any method; `create` may be given as a function that
 * receives the attempt number (1-based) to fail, hang or delay some attempts.
 */
export function fakeProvider(hooks: Partial<Omit<ResourceProvider<Fake>, 'create'>> & {
  create?: (attempt: number, signal: AbortSignal) => Promise<void> | void;
} = {}): FakeProvider {
  let attempts = 0;
  const { create: beforeCreate, ...rest } = hooks;
  const provider: FakeProvider = {
    made: [],
    destroyed: [],
    createSignals: [],
    inFlight: 0,
    peakInFlight: 0,
    async create({ signal }) {
      attempts++;
      provider.createSignals.push(signal);
      provider.inFlight++;
      provider.peakInFlight = Math.max(provider.peakInFlight, provider.inFlight);
      try {
        await beforeCreate?.(attempts, signal);
      } finally {
        provider.inFlight--;
      }
      const fake: Fake = { id: provider.made.length + 1, broken: false, destroyCalls: 0 };
      provider.made.push(fake);
      return fake;
    },
    destroy(fake) {
      fake.destroyCalls++;
      provider.destroyed.push(fake);
    },
    isBroken: (fake) => fake.broken,
    ...rest,
  };
  return provider;
}

/** A promise that never settles, but rejects when `signal` aborts (a create that honours its signal). */
export function hangUntilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/** The accounting every pool must keep: size = idle + borrowed + creating; created - destroyed = size. */
export function expectConsistent(pool: { stats(): PoolStats }): void {
  const stats = pool.stats();
  expect(stats.size).toBe(stats.idle + stats.borrowed + stats.creating);
  if (stats.creating === 0) expect(stats.totals.created - stats.totals.destroyed).toBe(stats.size);
}

/** Lets pending promise callbacks run (several hops of microtasks). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
