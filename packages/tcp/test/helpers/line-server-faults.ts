import { expect } from 'vitest';
import { faultSummary, serverPerFile, startPrivateLineServer, type FaultRun, type PrivateLineServer } from '@pool/testkit';
import { createTcpPool, exchange, type TcpPool, type TcpPoolOptions } from '../../src/index.js';

// What the server-fault test files share: one private line server per file (each file is its own
// module instance), the pool under test, and the summaries they log.

const file = serverPerFile<PrivateLineServer>(() => startPrivateLineServer(), 'useLineServer');

/** Starts this file's private line server before its tests and disposes of it after. */
export const useLineServer: () => void = file.use;

/** This file's private line server. */
export const server: () => PrivateLineServer = file.server;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const ping: NonNullable<TcpPoolOptions['ping']> = async (socket, { signal }) => (await exchange(socket, 'PING', { signal })) === 'PONG';

export function pool(options: TcpPoolOptions['pool'] = {}, extra: Partial<TcpPoolOptions> = {}): TcpPool {
  return createTcpPool({ host: '127.0.0.1', port: server().port, connectTimeoutMs: 2000, ...extra, pool: { max: 4, ...options } }) as TcpPool;
}

/** Fills the pool with `n` idle sockets; resolves with the pool. */
export async function warm(p: TcpPool, n: number): Promise<TcpPool> {
  await Promise.all(Array.from({ length: n }, (_, i) => p.request(`SLOW 30 ${i}`, { timeoutMs: 3000 })));
  expect(p.stats().idle).toBe(n);
  return p;
}

/** A run summed up, with the ms from `from` to the first call that succeeded after it. */
export const summary = (r: FaultRun<unknown>, from: number) => ({
  ...faultSummary(r),
  firstSuccessAfterMs: Math.round(Math.min(...r.outcomes.filter((o) => o.ok && o.end > from).map((o) => o.end)) - from),
});
