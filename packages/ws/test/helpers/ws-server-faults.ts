import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { faultSummary, serverPerFile, startPrivateWsServer, type FaultRun, type PrivateWsServer } from '@pool/testkit';
import { createWsPool, type WsPool } from '../../src/index.js';

// What the server-fault test files share: one private ws server per file (each file is its own
// module instance), the pool under test, and the summaries they log.

const wsModule = createRequire(import.meta.url).resolve('ws');
const file = serverPerFile<PrivateWsServer>(() => startPrivateWsServer({ wsModule }), 'useWsServer');

/** Starts this file's private ws server before its tests and disposes of it after. */
export const useWsServer: () => void = file.use;

/** This file's private ws server. */
export const server: () => PrivateWsServer = file.server;

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
