import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_NAME } from '../src/servers/pglite-template.js';
import { demoDir } from './run-demo.js';

// The real PGlite worker thread (dist/servers/pglite-worker.js, built by test/global-setup.ts),
// started twice from a child process that must then exit by itself: a damaged template is
// reported and replaced by initdb, the next start loads the template the first one saved, and no
// worker thread outlives close().

interface StartReport {
  run: 'first' | 'second';
  startedFrom: 'template' | 'initdb';
  n: number;
  saved: boolean;
  notes: string[];
}

let dir: string;
let result: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pool-demo-pglite-'));
  await mkdir(join(dir, 'cache'));
  await writeFile(join(dir, 'cache', TEMPLATE_NAME), 'not a gzip archive');
  result = await new Promise((resolve) => {
    execFile(process.execPath, ['test/fixtures/pglite-lifecycle.mjs', join(dir, 'cache')], { cwd: demoDir, timeout: 100_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}, 110_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PGlite in its worker thread (built demo)', () => {
  it('ran both starts and exited by itself with status 0 (no worker kept the process alive)', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(JSON.stringify({ exit: 'by itself' }));
  });

  it('a damaged template: noted, initdb instead, the server answers, and a good template is saved', async () => {
    const first = reports().find((r) => r.run === 'first');
    expect(first).toEqual({
      run: 'first',
      startedFrom: 'initdb',
      n: 200,
      saved: true,
      notes: ['PGlite: the cached data directory is damaged (incorrect header check); running initdb and replacing it'],
    });
    const saved = gunzipSync(await readFile(join(dir, 'cache', TEMPLATE_NAME)));
    expect(saved.subarray(257, 262).toString('latin1')).toBe('ustar');
  });

  it('the next start loads that template, answers, and has nothing to save', () => {
    expect(reports().find((r) => r.run === 'second')).toEqual({ run: 'second', startedFrom: 'template', n: 200, saved: false, notes: [] });
  });
});

function reports(): StartReport[] {
  return result.stdout.trim().split('\n').filter((line) => line.includes('"run"')).map((line) => JSON.parse(line) as StartReport);
}
