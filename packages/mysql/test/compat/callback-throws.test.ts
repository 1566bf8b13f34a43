// An exception thrown inside the caller's callback is an uncaught exception (as with mysql2's pool), and the pool stays sound.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireService } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { connectionOptions } from '../helpers.js';

const service = await requireService('mysql');
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const mysql2 = fileURLToPath(new URL('../../node_modules/mysql2/index.js', import.meta.url));

/** Runs a child process that throws from a query callback; returns how it ended. */
function run(create: string): { status: number | null; uncaught: boolean; unhandled: boolean } {
  const script = `
    import mysql from ${JSON.stringify(mysql2)};
    import { createMysqlPool } from ${JSON.stringify(dist)};
    const pool = ${create}(${JSON.stringify(connectionOptions())});
    process.on('uncaughtException', (e) => { console.log('uncaught', e.message); pool.end(() => process.exit(7)); });
    process.on('unhandledRejection', (e) => { console.log('unhandled', e.message); process.exit(8); });
    pool.query('SELECT 1', () => { throw new Error('boom from the callback'); });
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
  return { status: child.status, uncaught: child.stdout.includes('uncaught boom'), unhandled: child.stdout.includes('unhandled') };
}

describe.skipIf(!service.available)('an exception in a callback', () => {
  it('query(sql, cb) whose cb throws: an uncaught exception in both pools, never an unhandled rejection', () => {
    const theirs = run('mysql.createPool');
    const ours = run('createMysqlPool');
    expect(ours).toEqual(theirs);
    expect(ours).toEqual({ status: 7, uncaught: true, unhandled: false });
  }, 40_000);
});
