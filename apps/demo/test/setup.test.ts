import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DemoOptions } from '../src/cli/options.js';
import { setUp, type Setup } from '../src/setup.js';

// Issue 10: "MySQL and Redis join when their URLs are given or reachable on the default ports, and
// are listed as skipped otherwise." On a machine where both servers run, the end-to-end run only
// ever sees them join; this drives setUp() with default URLs that point at a closed port, so the
// skip path is exercised wherever the tests run (only the embedded HTTP server is started).

/** A loopback port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function demoOptions(patch: Partial<DemoOptions>): DemoOptions {
  return {
    durationMs: 2_000,
    only: ['mysql', 'redis', 'http'],
    pgUrl: undefined,
    mysqlUrl: 'mysql://root@127.0.0.1:3306/test',
    redisUrl: 'redis://127.0.0.1:6379',
    explicit: { pg: false, mysql: false, redis: false },
    fault: undefined,
    faultMs: 500,
    metricsPort: 0,
    outDir: join(tmpdir(), 'pool-demo-setup-test'),
    live: false,
    ...patch,
  };
}

describe('setUp: optional MySQL and Redis', () => {
  let setup: Setup | undefined;
  afterEach(async () => {
    await Promise.all(setup?.targets.map((t) => t.close()) ?? []);
    await setup?.proxy?.close();
    setup = undefined;
  });

  it('lists MySQL and Redis as skipped, with the reason, when their default URLs do not answer; the rest runs', async () => {
    const port = await closedPort();
    const notes: string[] = [];
    setup = await setUp(demoOptions({ mysqlUrl: `mysql://root@127.0.0.1:${port}/test`, redisUrl: `redis://127.0.0.1:${port}` }), join(tmpdir(), 'pool-demo-cache'), (m) => notes.push(m));
    expect(setup.targets.map((t) => t.id)).toEqual(['http']);
    const skipped = Object.fromEntries(setup.skipped.map((s) => [s.id, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['mysql', 'pg', 'redis', 'tcp', 'ws']);
    expect(skipped.mysql).toBe(`not reachable on its default URL mysql://root@127.0.0.1:${port}/test: ECONNREFUSED at 127.0.0.1:${port}`);
    expect(skipped.redis).toBe(`not reachable on its default URL redis://127.0.0.1:${port}: ECONNREFUSED at 127.0.0.1:${port}`);
    expect(skipped.pg).toBe('not selected (--only/--skip)');
    // the pool that did start works
    await setup.targets[0]!.operations[0]!.run();
    expect(setup.targets[0]!.stats().totals.acquired).toBeGreaterThanOrEqual(2); // setUp's check plus this one
  });

  it('refuses an explicitly given MySQL or Redis URL that does not answer (DEMO_UNREACHABLE, password hidden)', async () => {
    const port = await closedPort();
    for (const patch of [
      { only: ['mysql', 'http'], mysqlUrl: `mysql://root:s3cret-pw@127.0.0.1:${port}/test`, explicit: { pg: false, mysql: true, redis: false } },
      { only: ['redis', 'http'], redisUrl: `redis://:s3cret-pw@127.0.0.1:${port}`, explicit: { pg: false, mysql: false, redis: true } },
    ] satisfies Partial<DemoOptions>[]) {
      const error = await setUp(demoOptions(patch), join(tmpdir(), 'pool-demo-cache'), () => undefined).then(
        (started) => {
          setup = started;
          return undefined;
        },
        (caught: unknown) => caught,
      );
      const id = patch.only[0]!;
      expect(error, id).toMatchObject({ code: 'DEMO_UNREACHABLE' });
      expect((error as Error).message).toContain(`cannot use ${id} at `);
      expect((error as Error).message).toContain(':***@127.0.0.1:');
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect((error as Error).message).not.toContain('s3cret-pw');
    }
  });
});
