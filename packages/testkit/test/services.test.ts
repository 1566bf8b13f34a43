import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redactUrl, requireService, serviceAddress, serviceUrl } from '../src/index.js';

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['POOL_PG_URL', 'POOL_MYSQL_URL', 'POOL_REDIS_URL', 'CI']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  vi.restoreAllMocks();
});

/** A port nothing listens on: bind one, then free it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('serviceUrl', () => {
  it('gives the design.md defaults when the variables are unset or empty', () => {
    delete process.env.POOL_PG_URL;
    process.env.POOL_MYSQL_URL = '  ';
    delete process.env.POOL_REDIS_URL;
    expect(serviceUrl('pg')).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(serviceUrl('mysql')).toBe('mysql://root@127.0.0.1:3306/test');
    expect(serviceUrl('redis')).toBe('redis://127.0.0.1:6379');
  });

  it('reads POOL_*_URL from the environment', () => {
    process.env.POOL_PG_URL = 'postgres://u:p@127.0.0.1:6543/other';
    process.env.POOL_REDIS_URL = 'redis://127.0.0.1';
    expect(serviceUrl('pg')).toBe('postgres://u:p@127.0.0.1:6543/other');
    expect(serviceAddress('pg')).toEqual({ host: '127.0.0.1', port: 6543 });
    expect(serviceAddress('redis')).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it('rejects an unknown service name', () => {
    expect(() => serviceUrl('oracle' as 'pg')).toThrow(/Unknown service/);
  });

  it('redactUrl hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://alice:s3cret@127.0.0.1:5432/db')).toBe('postgres://alice:***@127.0.0.1:5432/db');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('requireService', () => {
  it('reports a reachable service as available', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.POOL_REDIS_URL = `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await requireService('redis')).toEqual({ available: true });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('locally: an unreachable service gives available:false and a loud, redacted reason', async () => {
    delete process.env.CI;
    process.env.POOL_PG_URL = `postgres://u:hunter2@127.0.0.1:${await deadPort()}/test`;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const check = await requireService('pg');
    expect(check.available).toBe(false);
    expect(check.reason).toMatch(/ECONNREFUSED/);
    expect(check.reason).toMatch(/POOL_PG_URL/);
    expect(check.reason).not.toContain('hunter2');
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]![0])).toMatch(/SKIPPED/);
  });

  it('with CI=true: an unreachable service throws, so the test file fails', async () => {
    process.env.CI = 'true';
    process.env.POOL_MYSQL_URL = `mysql://root:hunter2@127.0.0.1:${await deadPort()}/test`;
    const error = await requireService('mysql').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/CI=true and mysql at .* is unreachable/);
    expect(error?.message).not.toContain('hunter2');
  });
});
