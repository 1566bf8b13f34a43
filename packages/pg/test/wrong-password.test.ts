import { channels, createPool, isPoolError, type PoolEventName } from '@pool/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPgPool, pgProvider } from '../src/index.js';
import { CANARY, expectNoCanary, recordingLogger } from './canary.js';
import { passwordRole, passwordRoleFields, requirePasswordAuth } from './password-auth.js';

// Reliability row 27 on the real PostgreSQL: role pool_pw_test logs in over loopback TCP with
// scram-sha-256 (set up by `bash scripts/services`), so a wrong password gets a real 28P01.
const auth = await requirePasswordAuth();

/** The error and its `cause` chain, outermost first. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at = error; at !== undefined && at !== null && !chain.includes(at); at = (at as { cause?: unknown }).cause) chain.push(at);
  return chain;
}

/**
 * Asserts that 28P01 (invalid_password) reaches the caller as the error's code or one of its causes',
 * under a typed code: pg's own 28P01, or the pool's POOL_CREATE_FAILED / POOL_UNAVAILABLE (circuit open).
 */
function expectInvalidPassword(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  expect(['28P01', 'POOL_CREATE_FAILED', 'POOL_UNAVAILABLE']).toContain((error as { code?: unknown }).code);
  const chain = causeChain(error);
  const refusal = chain.find((item) => (item as { code?: unknown }).code === '28P01') as Error | undefined;
  expect(refusal, `no 28P01 in the cause chain of ${String(error)}`).toBeDefined();
  expect(refusal?.message).toMatch(/password authentication failed for user "pool_pw_test"/);
}

function canaryUrl(): string {
  const { host, port, database, user } = passwordRoleFields(CANARY);
  return `postgres://${user}:${encodeURIComponent(CANARY)}@${host}:${port}/${encodeURIComponent(database)}`;
}

describe.skipIf(!auth.available)('@pool/pg reliability row 27 on the real server: a wrong password (scram-sha-256)', () => {
  // everything a user could see: errors, pool and pg.Pool events, diagnostics_channel messages, log and console lines
  let seen: unknown[];
  let logLines: unknown[];
  let unsubscribe: (() => void)[];

  beforeEach(() => {
    seen = [];
    logLines = [];
    unsubscribe = [];
    for (const name of Object.keys(channels) as PoolEventName[]) {
      const onMessage = (message: unknown) => seen.push(message);
      channels[name].subscribe(onMessage);
      unsubscribe.push(() => channels[name].unsubscribe(onMessage));
    }
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => logLines.push(args));
    }
    const onWarning = (warning: Error) => seen.push(warning);
    process.on('warning', onWarning);
    unsubscribe.push(() => process.off('warning', onWarning));
  });

  afterEach(() => {
    for (const off of unsubscribe) off();
    vi.restoreAllMocks();
  });

  it('pgProvider: create rejects with the server 28P01, the canary in no message, stack, property or pool log line', async () => {
    const provider = pgProvider(passwordRoleFields(CANARY));
    const direct = await provider.create({ signal: new AbortController().signal }).catch((error: unknown) => error);
    expect((direct as { code?: unknown }).code).toBe('28P01');
    expectInvalidPassword(direct);
    seen.push(direct, provider.config);

    // min: 1 makes creates with no caller waiting (an 'error' event and a log line each)
    const pool = createPool(provider, { min: 1, max: 1, acquireTimeoutMs: 2000, retry: { minDelayMs: 10, maxDelayMs: 20 }, failFast: { afterFailures: 2 }, logger: recordingLogger(logLines), name: 'row27' });
    for (const name of Object.keys(channels) as PoolEventName[]) pool.on(name, (event: unknown) => seen.push(event));
    try {
      const acquired = await pool.acquire().catch((error: unknown) => error);
      expect(isPoolError(acquired)).toBe(true);
      expectInvalidPassword(acquired);
      seen.push(acquired, pool);
    } finally {
      await pool.close();
    }

    // 28P01 is permanent (classifyCreateError): the caller is rejected at once with POOL_CREATE_FAILED
    expect(seen.some((item) => isPoolError(item, 'POOL_CREATE_FAILED') && (item as { permanent?: unknown }).permanent === true)).toBe(true);
    expect(logLines.some((line) => JSON.stringify(line).includes('password authentication failed'))).toBe(true);
    expectNoCanary([...seen, ...logLines]);
  });

  it.each([
    ['password field', () => ({ ...passwordRoleFields(CANARY) })],
    ['connection string', () => ({ connectionString: canaryUrl() })],
  ])('createPgPool (%s): query() and connect() reject with a the driver 28P01 error; no error, event or log line carries the canary', async (_form, fields) => {
    const pool = createPgPool({ ...fields(), max: 2, connectionTimeoutMillis: 2000, pool: { retry: { minDelayMs: 10, maxDelayMs: 20 }, logger: recordingLogger(logLines), name: 'row27-pg' } });
    for (const name of ['error', 'connect', 'acquire', 'release', 'remove'] as const) pool.on(name, (...args: unknown[]) => seen.push(args));
    for (const name of Object.keys(channels) as PoolEventName[]) pool.core.on(name, (event: unknown) => seen.push(event));
    try {
      // the driver's own error, as pg.Pool gives it (28P01 is permanent: no retry loop)
      const queried = await pool.query('SELECT 1').catch((error: unknown) => error);
      expect(isPoolError(queried)).toBe(false);
      expect((queried as { code?: unknown }).code).toBe('28P01');
      expectInvalidPassword(queried);

      const connected = await pool.connect().catch((error: unknown) => error);
      expect((connected as { code?: unknown }).code).toBe('28P01');
      expectInvalidPassword(connected);

      const viaCallback = await new Promise<unknown>((resolve) => pool.query('SELECT 1', (error) => resolve(error)));
      expectInvalidPassword(viaCallback);

      seen.push(queried, connected, viaCallback, pool, pool.options, pool.provider.config, pool.stats());
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
    expect(logLines.length).toBeGreaterThan(0);
    expectNoCanary([...seen, ...logLines]);
  });

  it('the same role with its right password connects: the rule checks the password, it does not refuse the role', async () => {
    const pool = createPgPool({ ...passwordRoleFields(passwordRole.password), max: 1, connectionTimeoutMillis: 3000 });
    try {
      const { rows } = await pool.query<{ user: string }>('SELECT current_user AS user');
      expect(rows[0]?.user).toBe(passwordRole.user);
    } finally {
      await pool.end();
    }
  });
});
