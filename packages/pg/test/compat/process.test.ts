import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireService } from '@pool/testkit';
import { describe, expect, it } from 'vitest';
import { runChild } from './side-by-side.js';

const svc = await requireService('pg');
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** A script that uses a pool and forgets `end()`; prints when its work is done. */
const forgetsEnd = (options: string) => `
  const pool = makePool({ connectionString: url, application_name: 'pool-pg-compat-exit', ${options} });
  await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 2')]);
  console.log('done', performance.now().toFixed(0));
`;

/** Milliseconds between the script's work being done and the process exiting. */
function exitDelay(run: { ms: number; stdout: string }, startupMs: number): number {
  return run.ms - startupMs;
}

/** A script whose callback throws: which process hook saw it. */
const throwsIn = (call: string) => `
  process.on('uncaughtException', (error) => { console.log('uncaughtException', error.message); process.exit(0); });
  process.on('unhandledRejection', (error) => { console.log('unhandledRejection', error && error.message); process.exit(0); });
  const pool = makePool({ connectionString: url, application_name: 'pool-pg-compat-throw', allowExitOnIdle: true });
  ${call}
`;

describe.skipIf(!svc.available)('side by side with pg.Pool, in child processes: exit and exceptions', () => {
  it('the built package exists (the test pipeline builds before testing)', () => {
    expect(existsSync(dist), `build @pool/pg first: ${dist} is missing`).toBe(true);
  });

  it('a script that forgets end() exits after the idle timeout (10 s by default), within 1 s of pg.Pool', async () => {
    // both children at once: the test takes one idle timeout, not two
    const [theirs, ours] = await Promise.all([runChild('pg.Pool', forgetsEnd(''), 40_000), runChild('@pool/pg', forgetsEnd(''), 40_000)]);
    expect(theirs.stdout).toMatch(/^done \d+$/);
    expect(ours.stdout).toMatch(/^done \d+$/);
    expect([theirs.code, ours.code]).toEqual([0, 0]);
    const theirDelay = exitDelay(theirs, Number(theirs.stdout.split(' ')[1]));
    const ourDelay = exitDelay(ours, Number(ours.stdout.split(' ')[1]));
    expect(theirDelay).toBeGreaterThan(9_000);
    expect(ourDelay).toBeGreaterThan(9_000);
    expect(ourDelay).toBeLessThan(theirDelay + 1_000);
  }, 60_000);

  it('with allowExitOnIdle: true, both exit almost at once after the work', async () => {
    const [theirs, ours] = await Promise.all([
      runChild('pg.Pool', forgetsEnd('allowExitOnIdle: true'), 20_000),
      runChild('@pool/pg', forgetsEnd('allowExitOnIdle: true'), 20_000),
    ]);
    expect([theirs.code, ours.code]).toEqual([0, 0]);
    expect(exitDelay(theirs, Number(theirs.stdout.split(' ')[1]))).toBeLessThan(2_000);
    expect(exitDelay(ours, Number(ours.stdout.split(' ')[1]))).toBeLessThan(2_000);
  });

  it('with allowExitOnIdle: true, a top-level `await pool.end()` settles and the code after it runs (exit code 0, not 13)', async () => {
    const script = `
      const pool = makePool({ connectionString: url, application_name: 'pool-pg-compat-end-exit', allowExitOnIdle: true });
      await pool.query('SELECT 1');
      await pool.end();
      console.log('after end', pool.ended);
    `;
    const [theirs, ours] = await Promise.all([runChild('pg.Pool', script, 20_000), runChild('@pool/pg', script, 20_000)]);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.code).toBe(theirs.code);
    expect([theirs.stdout, theirs.code]).toEqual(['after end true', 0]);
  });

  it("DIFFERENCE (documented): a borrowed client's 'error' with no listener (its backend terminated) is thrown by pg.Pool's client, not by ours", async () => {
    const script = `
      process.on('uncaughtException', (error) => console.log('uncaughtException', error.code ?? error.message));
      const pool = makePool({ connectionString: url, application_name: 'pool-pg-compat-borrowed-error', allowExitOnIdle: true });
      const client = await pool.connect();
      const other = await pool.connect();
      await other.query('SELECT pg_terminate_backend($1)', [client.processID]);
      other.release();
      // until the client's socket has closed (a timer keeps the process alive meanwhile)
      while (!client.connection.stream.destroyed) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const after = await client.query('SELECT 1').then(() => 'answered', () => 'rejected');
      client.release();
      console.log('after', after, (await pool.query('SELECT 1 AS x')).rows[0].x);
      await pool.end();
    `;
    const [theirs, ours] = await Promise.all([runChild('pg.Pool', script, 20_000), runChild('@pool/pg', script, 20_000)]);
    expect(theirs.stdout.split('\n')).toEqual(['uncaughtException 57P01', 'uncaughtException Connection terminated unexpectedly', 'after rejected 1']);
    expect(ours.stdout.split('\n')).toEqual(['after rejected 1']);
    expect([theirs.code, ours.code]).toEqual([0, 0]);
  });

  it('an exception thrown in a query callback or a connect callback is an uncaught exception, not an unhandled rejection', async () => {
    const queryCb = throwsIn(`pool.query('SELECT 1', () => { throw new Error('thrown in query callback'); });`);
    const valuesCb = throwsIn(`pool.query('SELECT $1::int', [1], () => { throw new Error('thrown in values callback'); });`);
    const connectCb = throwsIn(`pool.connect((err, client, done) => { done(); throw new Error('thrown in connect callback'); });`);
    const runs = await Promise.all(
      [queryCb, valuesCb, connectCb].flatMap((script) => [runChild('pg.Pool', script, 20_000), runChild('@pool/pg', script, 20_000)]),
    );
    const outputs = runs.map((run) => run.stdout);
    expect(outputs).toEqual([
      'uncaughtException thrown in query callback',
      'uncaughtException thrown in query callback',
      'uncaughtException thrown in values callback',
      'uncaughtException thrown in values callback',
      'uncaughtException thrown in connect callback',
      'uncaughtException thrown in connect callback',
    ]);
  });
});
