import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readmeBlock, requireService, serviceUrl } from '@pool/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint, freshProject, run, type InstallFootprint } from './consumer.js';
import { startVerdaccio, type LocalRegistry } from './verdaccio.js';
import { copyWorkspace } from './workspace-copy.js';

const root = resolve(import.meta.dirname, '../../..');
const services = { pg: await requireService('pg'), mysql: await requireService('mysql'), redis: await requireService('redis') };
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/** Each adapter as a user installs it: the package, its driver, and a name it must export. */
const ADAPTERS = [
  { name: '@pool/pg', drivers: ['pg'], exported: 'createPgPool', needs: 'pg' },
  { name: '@pool/mysql', drivers: ['mysql2'], exported: 'createMysqlPool', needs: 'mysql' },
  { name: '@pool/redis', drivers: ['ioredis'], exported: 'createRedisPool', needs: 'redis' },
  { name: '@pool/tcp', drivers: [], exported: 'createTcpPool' },
  { name: '@pool/ws', drivers: ['ws'], exported: 'createWsPool' },
  { name: '@pool/http', drivers: ['undici'], exported: 'createHttpPool' },
] as const satisfies ReadonlyArray<{ name: string; drivers: readonly string[]; exported: string; needs?: keyof typeof services }>;
const PUBLISHED = ['@pool/core', ...ADAPTERS.map((a) => a.name), '@pool/metrics'];

/** The README examples use the default test URLs; point them at the configured servers. */
const SERVICE_DEFAULTS: Record<string, string> = {
  'postgres://postgres@127.0.0.1:5432/test': serviceUrl('pg'),
  'redis://127.0.0.1:6379': serviceUrl('redis'),
};

describe('release dry run: publish to a local verdaccio, install with npm into fresh projects, import, compile and run', () => {
  let work: string;
  let registry: LocalRegistry;
  const footprints = new Map<string, InstallFootprint>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pool-release-'));
    registry = await startVerdaccio(join(work, 'verdaccio'));
    copyWorkspace(root, join(work, 'repo'));
  });
  afterAll(async () => {
    await registry?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (footprints.size > 0) {
      console.log('what `npm install <adapter> <driver>` puts in a fresh project:');
      for (const [name, f] of footprints) console.log(`  ${name.padEnd(14)} ${String(f.packages.length).padStart(3)} packages ${(f.bytes / 1024 / 1024).toFixed(2).padStart(6)} MB: ${f.packages.join(' ')}`);
    }
  });

  it('refuses to release 0.0.0, with a message that says what to do', () => {
    const repo = join(work, 'repo');
    expect(() => run('pnpm', ['run', 'release', '--registry', registry.url], { cwd: repo })).toThrow(/refusing to release version 0\.0\.0 of @pool\/core.*pnpm changeset version/s);
  });

  it('`pnpm changeset version` then `pnpm release` publishes every package, without a token', () => {
    const repo = join(work, 'repo');
    run(process.execPath, [join(root, 'node_modules/@changesets/cli/bin.js'), 'version'], { cwd: repo });
    const output = run('pnpm', ['run', 'release', '--registry', registry.url], { cwd: repo, env: { ...process.env, NODE_AUTH_TOKEN: '', NPM_TOKEN: '' } });
    expect(output).toContain('publishing anonymously');
    for (const name of PUBLISHED) {
      const version = JSON.parse(readFileSync(join(repo, 'packages', name.slice('@pool/'.length), 'package.json'), 'utf8')).version as string;
      expect(version).not.toBe('0.0.0');
      const info = JSON.parse(run('npm', ['view', `${name}@${version}`, '--json', '--registry', registry.url], { cwd: repo })) as Record<string, unknown>;
      expect({ name, version: info.version }).toEqual({ name, version });
    }
  });

  const ready = ADAPTERS.filter((a) => !('needs' in a) || services[a.needs].available);
  const dirOf = (name: string) => join(work, name.slice('@pool/'.length));

  it('installs each adapter and its driver with npm into a fresh project: core comes along; LICENSE, CHANGELOG, links ship; no build info', async () => {
    // three installs at a time: the machine has two cores and npm mostly waits on the network
    const queue = [...ADAPTERS];
    await Promise.all([0, 1, 2].map(async () => {
      for (let a = queue.shift(); a; a = queue.shift()) await freshProject(dirOf(a.name), registry.url, join(work, 'npm-cache'), [a.name, ...a.drivers]);
    })).catch((error: Error) => {
      throw new Error(`${error.message}\nverdaccio's log (its uplink is https://registry.npmjs.org/):\n${registry.log().slice(-4000)}`);
    });
    for (const adapter of ADAPTERS) {
      const project = dirOf(adapter.name);
      footprints.set(adapter.name, footprint(project));
      const installed = join(project, 'node_modules', adapter.name);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({ license: 'MIT', repository: { url: expect.any(String) }, homepage: expect.any(String), bugs: { url: expect.any(String) } });
      expect(manifest.dependencies['@pool/core']).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect({ adapter: adapter.name, missing: ['LICENSE', 'CHANGELOG.md', 'README.md'].filter((f) => !existsSync(join(installed, f))) }).toEqual({ adapter: adapter.name, missing: [] });
      expect(existsSync(join(installed, 'dist/.tsbuildinfo'))).toBe(false);
      expect(existsSync(join(project, 'node_modules/@pool/core/LICENSE'))).toBe(true);
    }
  });

  it('imports each from ESM and from CommonJS, with what users need of @pool/core re-exported', () => {
    for (const adapter of ADAPTERS) {
      const check = `if (typeof m.${adapter.exported} !== 'function' || typeof m.isPoolError !== 'function' || typeof m.PoolError !== 'function') throw new Error('${adapter.name}: missing exports');`;
      run(process.execPath, ['--no-warnings', '-e', `import('${adapter.name}').then((m) => { ${check} }).then(() => { const m = require('${adapter.name}'); ${check} }).catch((e) => { console.error(e); process.exit(1); })`], { cwd: dirOf(adapter.name) });
    }
  });

  it('compiles each README example in its project with only the adapter and its driver installed (bundler, and node16 to run)', () => {
    const files: string[] = [];
    for (const adapter of ADAPTERS) {
      let example = readmeBlock(readFileSync(join(root, 'packages', adapter.name.slice('@pool/'.length), 'README.md'), 'utf8'));
      for (const [from, to] of Object.entries(SERVICE_DEFAULTS)) example = example.replaceAll(from, to);
      const file = join(dirOf(adapter.name), 'example.ts');
      writeFileSync(file, example);
      files.push(file);
    }
    // @types/node as any TypeScript project for Node has it; the adapters' own type needs come from their installs
    const common = ['--strict', '--skipLibCheck', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), ...files];
    run(process.execPath, [tsc, '--module', 'esnext', '--moduleResolution', 'bundler', '--noEmit', ...common], { cwd: work });
    run(process.execPath, [tsc, '--module', 'node16', '--moduleResolution', 'node16', ...common], { cwd: work });
  });

  it('runs each README example (against the real servers where it needs them)', () => {
    // an unreachable server leaves its example out with a loud warning (requireService above), a failure with CI=true
    for (const adapter of ready) {
      const output = run(process.execPath, ['example.js'], { cwd: dirOf(adapter.name), timeout: 60_000 });
      expect({ adapter: adapter.name, ran: output.length > 0 }).toEqual({ adapter: adapter.name, ran: true });
    }
  });
});
