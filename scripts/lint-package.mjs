#!/usr/bin/env node
// Package hygiene for the package in the current directory: publint on the built output, plus the
// fields every @pool package must carry (exports with types, files, engines, sideEffects: false).
import fs from 'node:fs';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const pkgDir = process.cwd();
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const problems = [];
const dot = pkg.exports?.['.'];
if (!dot?.types || !dot?.default) problems.push('exports["."] needs "types" and "default"');
if (!Array.isArray(pkg.files) || !pkg.files.includes('dist')) problems.push('"files" must list "dist"');
if (pkg.engines?.node !== '>=20.19') problems.push('engines.node must be ">=20.19"');
if (pkg.sideEffects !== false) problems.push('"sideEffects" must be false');
if (pkg.type !== 'module') problems.push('"type" must be "module"');
for (const file of [dot?.types, dot?.default]) {
  if (file && !fs.existsSync(file)) problems.push(`${file} does not exist (build first)`);
}
if (pkg.dependencies && !pkg.private) {
  const runtime = Object.keys(pkg.dependencies);
  if (runtime.length) problems.push(`published packages keep drivers and @pool/core as peers, found dependencies: ${runtime.join(', ')}`);
}

const { messages } = await publint({ pkgDir, level: 'warning', strict: !pkg.private });
for (const message of messages) problems.push(`publint ${message.type}: ${formatMessage(message, pkg)}`);

if (problems.length) {
  console.error(`${pkg.name}: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: package hygiene ok`);
