import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect } from 'vitest';
import { faultSummary, startPrivateWsServer, type FaultRun, type PrivateWsServer } from '@pool/testkit';
import { createWsPool, type WsPool } from '../../src/index.js';

// What the server-fault test files share: one private ws server per file (each file is its own
// module instance), the pool under test, and the summaries they log.

const wsModule = createRequire(import.meta.url).resolve('ws');
let current: PrivateWsServer | undefined;

/** Starts this file's private ws server before its tests and disposes of it after. */
export function useWsServer(): void {
  beforeAll(async () => {
    current = await startPrivateWsServer({ wsModule });
  });
  afterAll(async () => {
    await current?.dispose();
  });
}

/** This file's private ws server. */
export function server(): PrivateWsServer {
  if (current === undefined) throw new Error('useWsServer() was not called in this file');
  return current;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function pool(options: Parameters<typeof createWsPool>[0]['pool'] = {}): WsPool {
  return createWsPool({ url: server().url, handshakeTimeoutMs: 2000, closeTimeoutMs: 300, pool: { max: 4, ...options } });
}

/** Fills the pool with `n` idle sockets; resolves with the pool. */
export async function warm(p: WsPool, n: number): Promise<WsPool> {
  await Promise.all(Array.from({ length: n }, (_, i) => p.request({ op: 'slow', ms: 30, value: i }, { timeoutMs: 3000 })));
  expect(p.stats().idle).toBe(n);
  return p;
}

/** A run summed up, with the ms to the first success measured by the caller. */
export const summary = (r: FaultRun<unknown>, first: number) => ({ ...faultSummary(r), firstSuccessAfterReadyMs: Math.round(first) });
