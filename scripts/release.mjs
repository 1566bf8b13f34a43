#!/usr/bin/env node
// `pnpm release`: builds the published packages and publishes the ones whose version is not on the
// registry yet, through `changeset publish` (pnpm publish underneath, which turns `workspace:^` into
// a real caret range). Run `pnpm changeset version` first: it sets the versions and writes CHANGELOG.md.
//
// - Refuses to publish a 0.0.0 version (the placeholder before the first `changeset version`).
// - The registry is npm's configured one; `--registry <url>` or npm_config_registry overrides it.
// - No token needed where the registry allows anonymous publishing (a local verdaccio): when none is
//   configured for that registry (npm config, NODE_AUTH_TOKEN or NPM_TOKEN), a placeholder is sent.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const fail = (message) => {
  console.error(`release: ${message}`);
  process.exit(1);
};

const args = process.argv.slice(2);
const at = args.indexOf('--registry');
const registryArg = at === -1 ? args.find((a) => a.startsWith('--registry='))?.slice('--registry='.length) : args[at + 1];
const env = { ...process.env };
if (registryArg) env.npm_config_registry = registryArg;
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8' });

const packages = fs.readdirSync(path.join(root, 'packages'))
  .map((dir) => ({ dir: `packages/${dir}`, pkg: JSON.parse(fs.readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);
const placeholders = packages.filter(({ pkg }) => pkg.version === '0.0.0').map(({ pkg }) => pkg.name);
if (placeholders.length > 0) {
  fail(`refusing to release version 0.0.0 of ${placeholders.join(', ')}: 0.0.0 is the placeholder before the first release. ` +
    'Run `pnpm changeset version` first (it sets the versions from .changeset/*.md and writes CHANGELOG.md), commit, then `pnpm release`.');
}

const registry = (env.npm_config_registry || run('npm', ['config', 'get', 'registry']).stdout.trim() || 'https://registry.npmjs.org/').replace(/\/?$/, '/');
const tokenKey = `//${new URL(registry).host}${new URL(registry).pathname}:_authToken`;
const token = env.NODE_AUTH_TOKEN || env.NPM_TOKEN;
if (token) {
  env[`npm_config_${tokenKey}`] = token;
} else if (run('npm', ['whoami', '--registry', registry]).stderr.includes('ENEEDAUTH')) {
  // npm has no credentials for this registry and would refuse before asking it: send a placeholder,
  // which a registry that allows anonymous publishing accepts (and any other answers with 401)
  console.log(`release: no token for ${registry}; publishing anonymously (the registry must allow it)`);
  env[`npm_config_${tokenKey}`] = 'anonymous';
}

console.log(`release: building ${packages.length} packages, publishing to ${registry}`);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const build = spawnSync(process.execPath, [tsc, '-b', ...packages.map(({ dir }) => dir)], { cwd: root, env, stdio: 'inherit' });
if (build.status !== 0) fail('the build failed');
const changeset = path.join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
const publish = spawnSync(process.execPath, [changeset, 'publish'], { cwd: root, env, stdio: 'inherit' });
process.exit(publish.status ?? 1);
