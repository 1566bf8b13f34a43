#!/usr/bin/env node
// Packs every published @pool package with `pnpm pack`, installs the tarballs (and their peer drivers)
// into a throwaway project outside the workspace, and imports each one there, with `import` and with
// `require` (Node >= 20.19 loads ESM through require), then type-checks an import of each with tsc
// (NodeNext resolution, strict: a package whose `exports` lead to no types fails). Proves the
// published files work on their own. (publint runs per package in `lint`: scripts/lint-package.mjs.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true })); // also after a failure

const packages = fs.readdirSync(path.join(root, 'packages'))
  .map((dir) => ({ dir: path.join(root, 'packages', dir), pkg: JSON.parse(fs.readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

const dependencies = {};
for (const { dir, pkg } of packages) {
  run('pnpm', ['pack', '--pack-destination', tmp], dir);
  const tarball = fs.readdirSync(tmp).find((f) => f.startsWith(pkg.name.replace('@', '').replace('/', '-') + '-') && f.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${pkg.name}`);
  dependencies[pkg.name] = `file:${path.join(tmp, tarball)}`;
  for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
    if (peer.startsWith('@pool/') || dependencies[peer]) continue;
    // the version the workspace tests against, so the check needs nothing new from the registry
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', peer, 'package.json'), 'utf8'));
    dependencies[peer] = installed.version;
  }
}

const project = path.join(tmp, 'consumer');
fs.mkdirSync(project);
// the adapters depend on @pool/core ^<version>: take it from its tarball too, never from a registry
const pnpmConfig = { overrides: { '@pool/core': dependencies['@pool/core'] } };
fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies, pnpm: pnpmConfig }, null, 2));
run('pnpm', ['install', '--prefer-offline', '--ignore-workspace', '--config.strict-peer-dependencies=false', '--reporter=silent'], project);

const names = packages.map(({ pkg }) => pkg.name);
fs.writeFileSync(path.join(project, 'check.mjs'), `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
for (const name of ${JSON.stringify(names)}) {
  const esm = await import(name);
  const cjs = require(name);
  const exported = Object.keys(esm);
  if (exported.length === 0) throw new Error(name + ' exports nothing');
  if (Object.keys(cjs).length !== exported.length) throw new Error(name + ': require() and import() disagree');
  console.log('  ' + name.padEnd(14) + ' import + require ok (' + exported.length + ' exports)');
}
`);
process.stdout.write(run('node', ['check.mjs'], project));

// the types: strict NodeNext resolution from the consumer, through each package's `exports`
fs.writeFileSync(path.join(project, 'check-types.mts'), names.map((name, i) => `import * as m${i} from '${name}';\nexport const e${i}: object = m${i};\n`).join(''));
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  run('node', [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023',
    '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), 'check-types.mts'], project);
} catch (error) {
  console.error(error.stdout ?? error.message);
  throw new Error('check-packages: the packed packages do not type-check from a consumer (see above)');
}
console.log(`  types of all ${names.length} resolve from the tarballs (tsc, NodeNext, strict)`);
console.log(`check-packages: ${names.length} packed packages install, import and type-check cleanly`);
