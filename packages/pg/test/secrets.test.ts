import { createPool, isPoolError } from '@pool/core';
import { requireService, startFaultProxy } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, pgProvider, redactUrl } from '../src/index.js';
import { CANARY, expectNoCanary, recordingLogger } from './canary.js';
import { startFakePgServer, type FakePgServer } from './fake-server.js';
import { pgUrl, pidOf, terminate, upstream, waitForRunning } from './helpers.js';

function urlWithCanary(target: { host: string; port: number }): string {
  const url = new URL(pgUrl);
  url.hostname = target.host;
  url.port = String(target.port);
  url.username = url.username || 'postgres';
  url.password = encodeURIComponent(CANARY);
  return url.toString();
}

describe('@pool/pg secrets (reliability rows 27, 35) with a fake server that echoes the password back', () => {
  let fake: FakePgServer;
  beforeAll(async () => {
    fake = await startFakePgServer();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('rejected by a server that echoes it back: not in the create error, the POOL_CREATE_FAILED, events or log lines', async () => {
    const seen: unknown[] = [];
    const provider = pgProvider({ connectionString: urlWithCanary(fake) });
    const direct = await provider.create({ signal: new AbortController().signal }).catch((error: unknown) => error);
    expect(direct).toMatchObject({ code: '28P01' });
    expect(fake.received).toContain(CANARY); // it really was sent, and echoed
    seen.push(direct);

    const logLines: unknown[] = [];
    const pool = createPool(provider, { max: 1, acquireTimeoutMs: 1000, retry: { minDelayMs: 10, maxDelayMs: 50 }, logger: recordingLogger(logLines), name: 'secrets' });
    pool.on('error', (error) => seen.push(error));
    pool.on('availability', (event) => seen.push(event));
    const acquired = await pool.acquire().catch((error: unknown) => error);
    expect(isPoolError(acquired)).toBe(true);
    seen.push(acquired);
    await pool.close();

    const fields = { password: CANARY, host: fake.host, port: fake.port, user: 'canary', database: 'x' };
    const pgPool = createPgPool({ ...fields, connectionTimeoutMillis: 1000, pool: { logger: recordingLogger(logLines) } });
    const queried = await pgPool.query('SELECT 1').catch((error: unknown) => error);
    // the driver's own error (pg.Pool's behaviour), or the pool's timeout around it
    expect(queried).toBeInstanceOf(Error);
    seen.push(queried, pgPool, pgPool.options, pgPool.provider.config);
    await pgPool.end();

    expect(logLines.length).toBeGreaterThan(0);
    expectNoCanary([...seen, ...logLines]);
  });

  it('redactUrl hides the password of a connection string', () => {
    const redacted = redactUrl(urlWithCanary({ host: '127.0.0.1', port: 5432 }));
    expectNoCanary([redacted]);
    expect(redacted).toContain('***');
  });
});

const svc = await requireService('pg');

describe.skipIf(!svc.available)('@pool/pg secrets with a canary password against the real server (trust auth accepts any password)', () => {
  it('queries, a killed backend and a reset connection: no error, event, log line or inspected object carries the password', async () => {
    const proxy = await startFaultProxy(upstream());
    const seen: unknown[] = [];
    const logLines: unknown[] = [];
    const applicationName = `pool-pg-secrets-${process.pid}`;
    const pool = createPgPool({ connectionString: urlWithCanary(proxy), application_name: applicationName, max: 2, pool: { logger: recordingLogger(logLines), validateAfterIdleMs: 0, acquireTimeoutMs: 3000 } });
    try {
      pool.on('error', (error, client) => seen.push(error, client));
      pool.on('connect', (client) => seen.push(client));
      pool.core.on('destroy', (event) => seen.push(event));
      pool.core.on('error', (error) => seen.push(error));
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      seen.push(await pool.query('SELECT * FROM no_such_table_canary').catch((error: unknown) => error));
      const client = await pool.connect();
      const pid = pidOf(client);
      client.release();
      await terminate(pid);
      seen.push(await pool.query('SELECT 1').catch((error: unknown) => error));
      const slow = pool.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
      await waitForRunning(applicationName, 'SELECT pg_sleep'); // so the reset cuts it mid-query
      proxy.resetAll();
      seen.push(await slow);
      await proxy.refuse(true);
      // refused connects are retried within the caller's deadline (3 s here), then it gets the connect error
      seen.push(await pool.query('SELECT 1').catch((error: unknown) => error));
      seen.push(pool, pool.options);
      expect(seen.some((item) => item instanceof Error)).toBe(true);
      expectNoCanary([...seen, ...logLines]);
    } finally {
      await pool.end();
      await proxy.close();
    }
  });
});
