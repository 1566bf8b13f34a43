import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlive, requirePrivateServer } from '../src/index.js';
import { sleep } from './private-server-helpers.js';

const pg = requirePrivateServer('postgres');
const redis = requirePrivateServer('redis');

describe.skipIf(!pg.available || !redis.available)('a crashed test process', () => {
  it('leaves no server behind, frozen or not, and no directory, once it is SIGKILLed', async () => {
    // the built package, as the test pipeline builds before testing
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), `build @pool/testkit first: ${dist} is missing`).toBe(true);
    const script = `
      import { startPrivatePostgres, startPrivateRedisServer, processTree } from ${JSON.stringify(dist)};
      const pg = await startPrivatePostgres();
      const redis = await startPrivateRedisServer();
      pg.freeze();
      const pids = [...processTree(pg.pid), ...processTree(redis.pid)].map((p) => p.pid);
      console.log(JSON.stringify({ pids, dirs: [pg.dir, redis.dir] }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (data: Buffer) => {
        out += data.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before starting its servers`)));
    });
    const { pids, dirs } = JSON.parse(line) as { pids: number[]; dirs: string[] };
    expect(pids.length).toBeGreaterThan(3);
    expect(pids.every(isAlive)).toBe(true);
    child.kill('SIGKILL');
    for (let i = 0; i < 200 && (pids.some(isAlive) || dirs.some((dir) => existsSync(dir))); i++) await sleep(50);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
