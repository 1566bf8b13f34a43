import { waitUntil } from './wait-until.js';

/**
 * Runs `fn` with the pool under test warmed (`warm()`) and the baseline client it is measured
 * against connected once (its `opened` count); closes both after, whatever `fn` did.
 */
export async function withBaseline(
  pool: { close(): Promise<void> },
  warm: () => Promise<unknown>,
  baseline: { readonly opened: number; close(): void },
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await warm();
    await waitUntil(() => baseline.opened >= 1, 'the plain client to connect', 3000);
    await fn();
  } finally {
    baseline.close();
    await pool.close();
  }
}
