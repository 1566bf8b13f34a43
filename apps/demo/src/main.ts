#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { helpText } from './cli/help.js';
import { parseCli } from './cli/options.js';
import { DemoError, exitCodeOf } from './errors.js';

// apps/demo/out, next to dist/ (or src/ when run from sources)
const outDir = fileURLToPath(new URL('../out/', import.meta.url));

/** The unhandled errors of the whole process, reported in the summary (expected: none). */
const unhandled = { rejections: 0, exceptions: 0, messages: [] as string[] };
process.on('unhandledRejection', (reason) => {
  unhandled.rejections++;
  unhandled.messages.push(`unhandledRejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`);
  process.stderr.write(`${unhandled.messages.at(-1)}\n`);
});
process.on('uncaughtException', (error) => {
  unhandled.exceptions++;
  unhandled.messages.push(`uncaughtException: ${error.stack ?? error.message}`);
  process.stderr.write(`${unhandled.messages.at(-1)}\n`);
});

async function main(argv: string[]): Promise<number> {
  const parsed = parseCli(argv, process.env, { outDir, isTty: process.stdout.isTTY === true });
  if (parsed.help) {
    process.stdout.write(helpText());
    return 0;
  }
  // loaded only for a run: --help and flag errors answer without loading PGlite and the drivers
  const { runDemo } = await import('./demo.js');
  const interrupt = new AbortController();
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) {
      process.stdout.write('\x1b[?25h'); // the live view hides the cursor: give it back
      process.exit(130);
    }
    interrupt.abort();
  });
  const summary = await runDemo(parsed.options, { stdout: process.stdout, cacheDir: `${outDir}cache`, unhandled, interrupt: interrupt.signal });
  if (summary.interrupted) return 130;
  return summary.ok ? 0 : 1;
}

// `pnpm demo -- --duration 3s` forwards the `--` itself: drop it
const args = process.argv.slice(2);
main(args[0] === '--' ? args.slice(1) : args).then(
  (code) => {
    process.exitCode = code;
    // every pool, server and timer is closed by now; anything left is not ours to wait for
    setTimeout(() => process.exit(code), 500).unref();
  },
  (error: unknown) => {
    process.stderr.write(error instanceof DemoError ? `pool demo: ${error.message}\n` : `pool demo failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = exitCodeOf(error);
    setTimeout(() => process.exit(process.exitCode), 500).unref();
  },
);
