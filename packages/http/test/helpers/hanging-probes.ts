import { expect } from 'vitest';
import { createHttpPool, type HttpPool, type HttpPoolOptions } from '../../src/index.js';
import { outcome } from './parity.js';
import { defaultHandler, startServer, type TestServer } from './server.js';

/**
 * Two origins taken out by refused connects, then listening again with a health check that never
 * answers: every probe of them connects and hangs in its health check (until `validateTimeoutMs`).
 */
export async function originsBackWithHangingHealth(options: Omit<HttpPoolOptions, 'origins'>): Promise<{ pool: HttpPool; servers: TestServer[] }> {
  let hang = false;
  const servers = await Promise.all([1, 2].map(() => startServer((req, res, count) => {
    if (!(hang && req.url === '/health')) defaultHandler(req, res, count);
  })));
  const pool = createHttpPool({ ...options, origins: servers.map((s) => s.origin) });
  for (const s of servers) await s.kill();
  await Promise.all([1, 2, 3, 4].map(() => outcome(pool.request({ path: '/', method: 'GET' }))));
  expect(pool.status().map((origin) => origin.up)).toEqual([false, false]);
  hang = true;
  for (const s of servers) await s.restart();
  return { pool, servers };
}
