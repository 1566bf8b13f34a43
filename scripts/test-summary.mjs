#!/usr/bin/env node
// Adds up the JSON reports that each package's vitest run writes (.vitest-report.json) and prints one
// closing line, `tests: N passed, N failed, N skipped`. Exits non-zero when a test failed or no report
// exists. `--clean` removes old reports first, so a stale file can never count.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const reports = ['packages', 'apps'].flatMap((group) =>
  fs.readdirSync(path.join(root, group)).map((dir) => path.join(root, group, dir, '.vitest-report.json')),
).filter((file) => fs.existsSync(file));

if (process.argv.includes('--clean')) {
  for (const file of reports) fs.rmSync(file);
  process.exit(0);
}

let passed = 0, failed = 0, skipped = 0;
const rows = [];
for (const file of reports) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  rows.push(`  ${path.relative(root, path.dirname(file)).padEnd(18)} ${String(report.numPassedTests).padStart(5)} passed  ${report.numFailedTests} failed  ${report.numPendingTests} skipped`);
}
console.log(rows.join('\n'));
if (reports.length === 0) {
  console.error('test-summary: no vitest reports found; did any test run?');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
