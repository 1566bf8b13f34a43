import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Sample, Sampler } from './sample.js';

/** The child's entry, from src/ (tests, after `tsc -b`) or dist/. */
const childScript = fileURLToPath(new URL('../dist/sample-child.js', import.meta.url));

/**
 * One sample in a fresh node process (sample-child.ts), the way an application meets a pool: its
 * own process, its call sites seeing one pool only. In one long process the workload's shared call
 * sites see every pool in turn, and V8's compiled code and heap sizing carry over from pool to
 * pool; @pool/core lost most to that on W2 and W3 (see the README's method).
 */
export const sampleIsolated: Sampler = (workload, contender, _size, quick) =>
  new Promise<Sample>((resolve, reject) => {
    const args = ['--expose-gc', childScript, workload.id, contender.name, quick ? 'quick' : 'full'];
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (error !== null) {
        reject(new Error(stderr.trim().split('\n').pop() || error.message));
        return;
      }
      try {
        resolve(JSON.parse(last) as Sample);
      } catch {
        reject(new Error(`the sample process printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
