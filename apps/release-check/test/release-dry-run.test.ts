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
  // its README example points at made-up hosts (10.0.0.11...): compiled, not run
  { name: '@pool/http', drivers: ['undici'], exported: 'createHttpPool', compileOnly: true },
] as const satisfies ReadonlyArray<{ name: string; drivers: readonly string[]; exported: string; needs?: keyof typeof services; compileOnly?: boolean }>;
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

  for (const adapter of ADAPTERS) {
    const skip = 'needs' in adapter && !services[adapter.needs].available;
    it.skipIf(skip)(`${adapter.name}: npm install, import (ESM and CommonJS), README example compiled (node16, bundler)${'compileOnly' in adapter ? '' : ' and run'}`, () => {
      const project = join(work, adapter.name.slice('@pool/'.length));
      freshProject(project, registry.url, join(work, 'npm-cache'), [adapter.name, ...adapter.drivers]);
      footprints.set(adapter.name, footprint(project));

      // what ships: the manifest's links, LICENSE and CHANGELOG, no build info; core as a caret dependency
      const installed = join(project, 'node_modules', adapter.name);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({ license: 'MIT', repository: { url: expect.any(String) }, homepage: expect.any(String), bugs: { url: expect.any(String) } });
      expect(manifest.dependencies['@pool/core']).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(['LICENSE', 'CHANGELOG.md', 'README.md'].filter((f) => !existsSync(join(installed, f)))).toEqual([]);
      expect(existsSync(join(installed, 'dist/.tsbuildinfo'))).toBe(false);
      // @pool/core came along, and what users need of it is re-exported
      expect(existsSync(join(project, 'node_modules/@pool/core/package.json'))).toBe(true);

      const check = `if (typeof m.${adapter.exported} !== 'function' || typeof m.isPoolError !== 'function' || typeof m.PoolError !== 'function') throw new Error('missing exports');`;
      run(process.execPath, ['--input-type=module', '-e', `const m = await import('${adapter.name}'); ${check}`], { cwd: project });
      run(process.execPath, ['--no-warnings', '-e', `const m = require('${adapter.name}'); ${check}`], { cwd: project });

      let example = readmeBlock(readFileSync(join(root, 'packages', adapter.name.slice('@pool/'.length), 'README.md'), 'utf8'));
      for (const [from, to] of Object.entries(SERVICE_DEFAULTS)) example = example.replaceAll(from, to);
      writeFileSync(join(project, 'example.ts'), example);
      const common = ['--strict', '--skipLibCheck', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'example.ts'];
      run(process.execPath, [tsc, '--module', 'esnext', '--moduleResolution', 'bundler', '--noEmit', ...common], { cwd: project });
      run(process.execPath, [tsc, '--module', 'node16', '--moduleResolution', 'node16', '--outDir', 'out', ...common], { cwd: project });
      if (!('compileOnly' in adapter)) run(process.execPath, ['out/example.js'], { cwd: project, timeout: 60_000 });
    });
  }
});
