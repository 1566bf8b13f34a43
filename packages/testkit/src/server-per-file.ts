import { afterAll, beforeAll } from 'vitest';

/**
 * One server for each test file that calls `use()` (vitest gives each file its own module
 * instance): `use()` registers the hooks that start it before the file's tests and dispose of it
 * after; `server()` reads it in a test. `useName` names `use` in the error when a file forgot it.
 */
export function serverPerFile<S extends { dispose(): Promise<void> }>(start: () => Promise<S>, useName: string): { use(): void; server(): S } {
  let current: S | undefined;
  return {
    use() {
      beforeAll(async () => {
        current = await start();
      });
      afterAll(async () => {
        await current?.dispose();
      });
    },
    server() {
      if (current === undefined) throw new Error(`${useName}() was not called in this file`);
      return current;
    },
  };
}
