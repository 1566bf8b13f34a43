import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { createHttpPool, type HttpPool } from '../../src/index.js';
import { startServer, type TestServer } from './server.js';

/** Requests a server answered under /work (the traffic below), health checks not counted. */
export function servedWork(server: TestServer): number {
  let sum = 0;
  for (const [path, count] of server.requests) if (path.startsWith('/work')) sum += count;
  return sum;
}

/** Records the pool's origin changes as `down <origin>` / `up <origin>`, and the last cause of a down. */
export function watchOrigins(pool: HttpPool): { events: string[]; lastDownCause(): unknown } {
  const events: string[] = [];
  let cause: unknown;
  pool.onOriginChange((change) => {
    events.push(`${change.up ? 'up' : 'down'} ${change.origin}`);
    if (!change.up) cause = change.cause;
  });
  return { events, lastDownCause: () => cause };
}

/** Closed-loop GET traffic through `pool` until `stop()`: failures (errors or non-200) are kept. */
export function startTraffic(pool: HttpPool, workers: number, pauseMs = 0): { failures: unknown[]; completed(): number; stop(): Promise<void> } {
  const failures: unknown[] = [];
  let completed = 0;
  let running = true;
  const worker = async (id: number) => {
    for (let i = 0; running; i++) {
      try {
        const res = await request(`http://any.invalid/work/${id}/${i}`, { dispatcher: pool });
        await res.body.text();
        if (res.statusCode !== 200) failures.push(new Error(`status ${res.statusCode}`));
        completed++;
      } catch (error) {
        failures.push(error);
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const all = Array.from({ length: workers }, (_, id) => worker(id));
  return {
    failures,
    completed: () => completed,
    // call it even when a step fails: left looping, workers would spin on a closed pool's instant
    // rejections, starve the event loop and hang the test file instead of reporting
    stop: async () => {
      running = false;
      await Promise.all(all);
    },
  };
}

/**
 * Three in-process origins behind one pool (max 4, down after 2 failures, probed back in 50-400 ms),
 * started before the suite's tests and closed after them. Read `servers` and `pool` inside tests.
 */
export function threeOrigins(checkIntervalMs: number): { readonly servers: TestServer[]; readonly pool: HttpPool } {
  const state = { servers: [] as TestServer[], pool: undefined as HttpPool | undefined };
  beforeAll(async () => {
    state.servers = await Promise.all([startServer(), startServer(), startServer()]);
    state.pool = createHttpPool({
      origins: state.servers.map((server) => server.origin),
      pool: { max: 4 },
      failover: { downAfterFailures: 2, probe: { minDelayMs: 50, maxDelayMs: 400 }, checkIntervalMs },
    });
  });
  afterAll(async () => {
    await state.pool?.close();
    await Promise.all(state.servers.map((server) => server.close()));
  });
  return {
    get servers() {
      return state.servers;
    },
    get pool() {
      if (state.pool === undefined) throw new Error('threeOrigins: read the pool inside a test');
      return state.pool;
    },
  };
}
