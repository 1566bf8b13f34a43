import { runBench } from './bench.js';
import { parseOptions, usage, UsageError } from './cli.js';
import { runFaults } from './faults/run-faults.js';
import { runSoak } from './soak.js';

/** `pnpm bench`: parse flags, run, exit 0; a bad flag exits 2 with a message, a failure exits 1. */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    console.log(usage);
    return;
  }
  const log = (line: string) => console.log(line);
  if (options.soakMinutes !== undefined) {
    const { result } = await runSoak({ minutes: options.soakMinutes, outDir: options.outDir, log });
    if (!result.flat) process.exitCode = 1;
    return;
  }
  if (options.faults) {
    await runFaults({ trials: options.rounds, freezeTrials: Math.max(1, Math.floor(options.rounds / 3)), quick: options.quick, engines: options.only, outDir: options.outDir, log });
    return;
  }
  await runBench(options, { log });
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`pnpm bench: ${error.message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
