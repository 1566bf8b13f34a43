import { buildDemo } from './run-demo.js';

/**
 * Builds dist/ once, before any test file runs: demo.e2e and pglite-worker.e2e both run the built
 * demo, and two `tsc -b` at once would write the same files.
 */
export async function setup(): Promise<void> {
  await buildDemo();
}
