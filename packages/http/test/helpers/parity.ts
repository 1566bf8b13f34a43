import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { createHttpPool } from '../../src/index.js';
import { startServer, type Handler, type TestServer } from './server.js';

/**
 * Side by side with undici's `Pool`: code written for it should see the same behaviour after
 * swapping `new Pool(origin)` for `createHttpPool({ origin })`. `both` runs one test body against each.
 */
export type Make = (origin: string, client?: Record<string, unknown>) => Dispatcher & { closed?: boolean; destroyed?: boolean };

export const makers: Record<'undici' | 'ours', Make> = {
  undici: (origin, client = {}) => new Pool(origin, { connections: 4, ...client }),
  ours: (origin, client = {}) => createHttpPool({ origin, healthCheck: false, pool: { max: 4 }, client }),
};

/** Runs `body` against undici's Pool and ours; returns both observations. */
export async function both<T>(body: (make: Make) => Promise<T>): Promise<{ undici: T; ours: T }> {
  return { undici: await body(makers.undici), ours: await body(makers.ours) };
}

/** What a caller can see of an error. */
export function shape(error: unknown): { name: string; code: unknown; message: string } | 'no error' {
  if (!(error instanceof Error)) return 'no error';
  return { name: error.name, code: (error as { code?: unknown }).code, message: error.message };
}

/** A port nothing listens on (connections to it are refused). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** What a caller got: 'served' (the body read), or the error's code. */
export const outcome = (promise: Promise<Dispatcher.ResponseData>): Promise<string> =>
  promise.then(async (res) => { await res.body.text(); return 'served'; }, (error: unknown) => String((error as { code?: unknown }).code));

/** The error `promise` rejects with, or undefined. */
export const caught = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

/** Runs `body` with a server of its own, closed afterwards. */
export async function withServer<T>(handler: Handler, body: (s: TestServer) => Promise<T>): Promise<T> {
  const s = await startServer(handler);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}
