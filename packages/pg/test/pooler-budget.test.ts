import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { requireScale, scaleUrls } from './scale-services.js';

const skip = await requireScale('pgbouncer');
const child = fileURLToPath(new URL('./fixtures/pooler-budget-child.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface PoolRow {
  database: string;
  user: string;
  cl_active: string;
  cl_waiting: string;
  sv_active: string;
  sv_idle: string;
  sv_used: string;
  sv_tested: string;
  sv_login: string;
}

/** PgBouncer's admin console: `SHOW POOLS` for database `test`, user `postgres` (simple protocol only). */
async function showPools(admin: pg.Client): Promise<PoolRow> {
  const { rows } = await admin.query('SHOW POOLS');
  const row = (rows as PoolRow[]).find((r) => r.database === 'test' && r.user === 'postgres');
  if (row === undefined) throw new Error(`no test/postgres pool in SHOW POOLS: ${JSON.stringify(rows)}`);
  return row;
}

const n = (value: string) => Number(value);

function lines(process: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: process.stdout! })[Symbol.asyncIterator]();
}

describe.skipIf(skip !== undefined)('pooler: transaction, the server budget (PgBouncer SHOW POOLS)', () => {
  it('four processes with max: 20 each (80 client connections) use at most default_pool_size (5) server connections', async () => {
    expect(existsSync(dist), `the children import the built package: run \`pnpm exec tsc -b\` first (${dist} missing)`).toBe(true);
    const admin = new pg.Client({ connectionString: scaleUrls.pgbouncer.replace(/\/[^/]*$/, '/pgbouncer') });
    await admin.connect();
    const config = await admin.query('SHOW CONFIG');
    const poolSize = Number((config.rows as { key: string; value: string }[]).find((r) => r.key === 'default_pool_size')?.value);
    expect(poolSize).toBeGreaterThan(0);
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, [child, scaleUrls.pgbouncer, '40'], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const outputs = children.map(lines);
    try {
      for (const output of outputs) expect((await output.next()).value).toBe('ready');
      let maxServer = 0;
      let maxClients = 0;
      let maxWaiting = 0;
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        const row = await showPools(admin);
        maxServer = Math.max(maxServer, n(row.sv_active) + n(row.sv_idle) + n(row.sv_used) + n(row.sv_tested) + n(row.sv_login));
        maxClients = Math.max(maxClients, n(row.cl_active) + n(row.cl_waiting));
        maxWaiting = Math.max(maxWaiting, n(row.cl_waiting));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const c of children) c.stdin!.write('stop\n');
      const reports = await Promise.all(outputs.map(async (output) => JSON.parse((await output.next()).value as string) as { ok: number; errors: number; firstError?: string; maxTotal: number }));
      console.info(`SHOW POOLS over 3 s: max server connections ${maxServer} (default_pool_size ${poolSize}), max client connections ${maxClients}, max waiting ${maxWaiting}; queries per child: ${reports.map((r) => r.ok).join(', ')}`);
      for (const report of reports) {
        expect(report.errors, report.firstError).toBe(0);
        expect(report.maxTotal).toBe(20);
        expect(report.ok).toBeGreaterThan(0);
      }
      expect(maxClients).toBeGreaterThanOrEqual(80);
      expect(maxServer).toBeGreaterThan(0);
      expect(maxServer).toBeLessThanOrEqual(poolSize);
      expect(maxWaiting, 'clients queued in PgBouncer for the few server connections').toBeGreaterThan(0);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
      await admin.end();
    }
  }, 30_000);
});
