import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

/**
 * Runs the first ```ts block under a "## Example" heading of a package's README, with its
 * `from '<packageName>'` import pointed at the package's sources, and returns what it printed with
 * console.log. Keeps README examples honest: a test asserts on the output.
 */
export async function runReadmeExample(packageRoot: URL, packageName: string): Promise<unknown[]> {
  const readme = readFileSync(fileURLToPath(new URL('README.md', packageRoot)), 'utf8');
  const block = /## Example[^\n]*\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error(`${packageName}: README has no "## Example" ts block`);
  const file = fileURLToPath(new URL(`test/readme-example-${process.pid}.tmp.ts`, packageRoot));
  writeFileSync(file, block.replaceAll(`from '${packageName}'`, `from '../src/index.js'`));
  const printed: unknown[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((value: unknown) => void printed.push(value));
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
    rmSync(file, { force: true });
  }
  return printed;
}
