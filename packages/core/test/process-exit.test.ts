import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/src/index.js', import.meta.url));

describe('process exit (reliability row 30)', () => {
  it('an idle pool that was never closed does not keep the process alive', () => {
    // the built package, as users run it (the test pipeline builds before testing)
    expect(existsSync(dist), `build @pool/core first: ${dist} is missing`).toBe(true);
    const script = `
      import { createPool } from ${JSON.stringify(dist)};
      const pool = createPool({ create: async () => ({}), validate: () => true }, { min: 2, max: 4, idleTimeoutMs: 60_000, keepaliveIntervalMs: 30_000, leakDetectionMs: 0 });
      await pool.ready();
      const lease = await pool.acquire();
      lease.release();
      console.log('ready', JSON.stringify(pool.stats().idle));
    `;
    // a timer left ref'd would hold the child for the 30 s keepalive; starting node on a loaded CI
    // machine can take seconds, so the budget sits between the two
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('ready 2');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
