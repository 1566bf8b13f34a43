import fc from 'fast-check';
import type { PoolOptions } from '../../src/index.js';
import type { Faults } from './chaos-provider.js';

/** Pool options of one run: small sizes and short timeouts, so every edge is reached often. */
export type FuzzOptions = PoolOptions & {
  max: number;
  acquireTimeoutMs: number;
  createTimeoutMs: number;
  resetTimeoutMs: number;
  destroyTimeoutMs: number;
  maxConcurrentCreates: number;
};

const percent = (max: number) => fc.integer({ min: 0, max }).map((p) => p / 100);

export const optionsArbitrary: fc.Arbitrary<FuzzOptions> = fc
  .record({
    min: fc.nat(3),
    max: fc.integer({ min: 1, max: 6 }),
    grow: fc.constantFrom<number | 'double'>(1, 1, 2, 'double'),
    acquireTimeoutMs: fc.integer({ min: 5, max: 300 }),
    createTimeoutMs: fc.integer({ min: 5, max: 150 }),
    validateTimeoutMs: fc.integer({ min: 5, max: 100 }),
    resetTimeoutMs: fc.integer({ min: 5, max: 100 }),
    destroyTimeoutMs: fc.integer({ min: 5, max: 100 }),
    idleTimeoutMs: fc.oneof(fc.constant(Infinity), fc.integer({ min: 10, max: 500 })),
    maxIdle: fc.oneof(fc.constant(Infinity), fc.constant(Infinity), fc.nat(3)),
    maxLifetimeMs: fc.oneof(fc.constant(Infinity), fc.integer({ min: 20, max: 1000 })),
    maxLifetimeJitter: percent(50),
    maxUses: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 5 })),
    validateAfterIdleMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.constant(Infinity)),
    keepaliveIntervalMs: fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 200 })),
    maxWaiting: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 8 })),
    order: fc.constantFrom<'lifo' | 'fifo'>('lifo', 'fifo'),
    retry: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 200 })).map(([a, b]) => ({ minDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b) })),
    leakDetectionMs: fc.oneof(fc.constant(0), fc.integer({ min: 20, max: 500 })),
    maxConcurrentCreates: fc.integer({ min: 1, max: 3 }),
    failFast: fc.oneof(fc.constant(false as const), fc.integer({ min: 1, max: 6 }).map((n) => ({ afterFailures: n }))),
  })
  .map((o) => ({ ...o, min: Math.min(o.min, o.max) }));

const calm: Faults = {
  createFail: 0, createHang: 0, createLate: 0, validateFalse: 0, validateThrow: 0, validateHang: 0,
  resetFalse: 0, resetThrow: 0, resetHang: 0, destroyThrow: 0, destroyHang: 0, sync: 0.3, maxDelayMs: 5,
  hooks: { validate: true, reset: true, isBroken: true },
};

const hooksArbitrary = fc.record({ validate: fc.boolean(), reset: fc.boolean(), isBroken: fc.boolean() });

/** The provider's misbehaviour: mostly a little chaos, sometimes a lot, sometimes none. */
export const faultsArbitrary: fc.Arbitrary<Faults> = fc.oneof(
  { weight: 1, arbitrary: hooksArbitrary.map((hooks) => ({ ...calm, hooks })) },
  {
    weight: 4,
    arbitrary: fc.record({
      createFail: percent(40),
      createHang: percent(10),
      createLate: percent(10),
      validateFalse: percent(30),
      validateThrow: percent(10),
      validateHang: percent(10),
      resetFalse: percent(20),
      resetThrow: percent(10),
      resetHang: percent(10),
      destroyThrow: percent(15),
      destroyHang: percent(10),
      sync: percent(60),
      maxDelayMs: fc.integer({ min: 0, max: 80 }),
      hooks: hooksArbitrary,
    }),
  },
);
