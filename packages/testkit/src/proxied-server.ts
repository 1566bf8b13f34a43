import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

/** A server a test file starts for itself: where it listens, and how to stop it. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Registers the hooks of a fault-proxy test file: `start()` once for the file (closed after it), and
 * a fresh fault proxy in front of it for each test (closed after the test), so one test's faults
 * never reach the next. Returns getters for both, valid inside the tests.
 */
export function useProxiedServer<S extends TestServer>(start: () => Promise<S>): { server: () => S; proxy: () => FaultProxy } {
  let server: S | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    proxy = await startFaultProxy({ host: server!.host, port: server!.port });
  });
  afterEach(async () => {
    await proxy?.close();
  });
  return {
    server: () => server ?? fail('server'),
    proxy: () => proxy ?? fail('proxy'),
  };
}

function fail(what: string): never {
  throw new Error(`useProxiedServer(): no ${what} yet (read it inside a test)`);
}
