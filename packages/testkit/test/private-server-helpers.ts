import { existsSync } from 'node:fs';
import { afterAll, expect } from 'vitest';
import { isAlive, processTree, type PrivateServer } from '../src/index.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` is still pending after `ms`. */
export async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return !settled;
}

/** Disposes the server and checks that nothing of it is left: no process of its tree, no directory. */
export async function expectDisposedCleanly(server: PrivateServer): Promise<void> {
  const pid = server.pid as number;
  const pids = processTree(pid).map((info) => info.pid);
  expect(pids).toContain(pid);
  await server.dispose();
  expect(pids.filter(isAlive)).toEqual([]);
  expect(existsSync(server.dir)).toBe(false);
  expect(server.running).toBe(false);
}

/** A `track(server)` whose servers are disposed after the file's tests, also when a test failed. */
export function disposeAfterAll(): <S extends PrivateServer>(server: S) => S {
  const started: PrivateServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.dispose()));
  });
  return (server) => {
    started.push(server);
    return server;
  };
}
