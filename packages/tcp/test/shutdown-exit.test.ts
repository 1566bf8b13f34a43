import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateLineServer, type PrivateLineServer } from '@pool/testkit';

// Shutdown during an outage (reliability rows 17, 30, 40): after `await pool.close()` the process
// exits on its own, with nothing of the pool left to hold it (run on the built package in a child process).

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let server: PrivateLineServer;

beforeAll(async () => {
  server = await startPrivateLineServer();
});
afterAll(async () => {
  server?.thaw();
  await server?.dispose();
});

/** Runs `body` in a child process with `pool` (max 2, two sockets warmed), `port` and `pid` (the server's) in scope; resolves with its stdout lines and how long it took to exit after printing `closed`. */
function runChild(body: string): Promise<{ lines: string[]; exitAfterCloseMs: number; code: number | null }> {
  const script = `
    import { createTcpPool } from ${JSON.stringify(pathToFileURL(dist).href)};
    const port = ${String(server.port)};
    const pid = ${String(server.pid)};
    const pool = createTcpPool({ host: '127.0.0.1', port, pool: { max: 2 } });
    await Promise.all([1, 2].map((n) => pool.request('SLOW 20 ' + n, { timeoutMs: 3000 })));
    const t = performance.now();
    ${body}
    console.log('closed', Math.round(performance.now() - t));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir });
    let out = '';
    let err = '';
    let closedAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += String(chunk);
      if (closedAt === 0 && out.includes('closed')) closedAt = performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (err += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (err !== '') console.error(err);
      resolve({ lines: out.trim().split('\n'), exitAfterCloseMs: closedAt === 0 ? Infinity : performance.now() - closedAt, code });
    });
  });
}

describe.sequential('shutdown during an outage: the process exits once close() resolved', () => {
  it('built package present', () => {
    expect(existsSync(dist), `build @pool/tcp first: ${dist} is missing`).toBe(true);
  });

  it('server frozen (SIGSTOP): two calls in flight, one times out waiting; close({ timeoutMs }) settles and the process exits', async () => {
    try {
      const run = await runChild(`
        process.kill(pid, 'SIGSTOP');
        // two calls in flight on the frozen sockets (60 s deadlines), one waiting for a socket
        const calls = [1, 2, 3].map((n) => pool.request('ECHO ' + n, { timeoutMs: n === 3 ? 500 : 60_000 }).catch((e) => e.code));
        await new Promise((r) => setTimeout(r, 700));
        await pool.close({ timeoutMs: 1000 });
        console.log('codes', (await Promise.all(calls)).join(','));
      `);
      console.log('MEASURE frozen shutdown', run);
      expect(run.code).toBe(0);
      expect(run.exitAfterCloseMs).toBeLessThan(1500);
      expect(Number(run.lines.find((l) => l.startsWith('closed'))?.split(' ')[1])).toBeLessThan(4000);
    } finally {
      server.thaw();
    }
  });

  it('server down (killed): callers waiting for a socket, close() settles and the process exits', async () => {
    const run = await runChild(`
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200)); // the idle sockets have seen the FIN
      const calls = [1, 2, 3].map((n) => pool.request('ECHO ' + n, { timeoutMs: 60_000 }).catch((e) => e.code));
      await new Promise((r) => setTimeout(r, 700));
      await pool.close();
      console.log('codes', (await Promise.all(calls)).join(','));
    `);
    console.log('MEASURE down shutdown', run);
    await server.start();
    expect(run.code).toBe(0);
    expect(run.exitAfterCloseMs).toBeLessThan(1500);
    expect(Number(run.lines.find((l) => l.startsWith('closed'))?.split(' ')[1])).toBeLessThan(1500);
  });
});
