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
if (!pkg.private) {
  // @pool/core is a real dependency (a caret range changesets keeps current); type packages the
  // public .d.ts files need may be too; drivers stay peers
  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    if (name === '@pool/core') {
      if (range !== 'workspace:^') problems.push(`dependencies["@pool/core"] must be "workspace:^" (published as ^<version>), found ${range}`);
    } else if (!name.startsWith('@types/')) {
      problems.push(`published packages keep drivers as peers, found dependency ${name}`);
    }
  }
  if (pkg.name !== '@pool/core' && !pkg.dependencies?.['@pool/core']) problems.push('dependencies must list "@pool/core": "workspace:^"');
  if (pkg.peerDependencies?.['@pool/core']) problems.push('@pool/core is a dependency, not a peer');
  for (const field of ['license', 'repository', 'homepage', 'bugs']) if (!pkg[field]) problems.push(`"${field}" is missing (the registry page links to it)`);
  for (const file of ['LICENSE', 'CHANGELOG.md']) if (!pkg.files?.includes(file)) problems.push(`"files" must list ${file}`);
  if (!fs.existsSync('LICENSE')) problems.push('LICENSE is missing (copy the repository\'s)');
  if (!pkg.files?.includes('!dist/.tsbuildinfo')) problems.push('"files" must exclude dist/.tsbuildinfo');
}

const { messages } = await publint({ pkgDir, level: 'warning', strict: !pkg.private });
for (const message of messages) problems.push(`publint ${message.type}: ${formatMessage(message, pkg)}`);

if (problems.length) {
  console.error(`${pkg.name}: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: package hygiene ok`);
