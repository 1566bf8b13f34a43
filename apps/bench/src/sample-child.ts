import { contenders } from './pools/index.js';
import { sampleInProcess } from './sample.js';
import { workloads } from './workloads/index.js';

/**
 * `node --expose-gc dist/sample-child.js <workload id> <pool name> quick|full`: takes one sample
 * (sample.ts) in this fresh process and prints it as one JSON line; a failure goes to stderr, exit 1.
 */
async function main(): Promise<void> {
  const [id, name, size] = process.argv.slice(2);
  const workload = workloads.find((w) => w.id === id);
  const contender = contenders.find((c) => c.name === name);
  if (workload === undefined || contender === undefined || (size !== 'quick' && size !== 'full')) {
    throw new Error(`usage: sample-child.js <${workloads.map((w) => w.id).join('|')}> <pool name> quick|full (got ${id} ${name} ${size})`);
  }
  const quick = size === 'quick';
  const sample = await sampleInProcess(workload, contender, quick ? workload.quick : workload.full, quick);
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
