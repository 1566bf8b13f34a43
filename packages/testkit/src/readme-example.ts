import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

/**
 * A README's runnable block: the first ```ts block under a "## Example" heading, or with `marker`,
 * the ```ts block right after the line `<!-- readme-test: marker -->` (blocks meant to run carry it).
 */
export function readmeBlock(readme: string, marker?: string): string {
  const pattern = marker === undefined
    ? /## Example[^\n]*\n+```ts\n([\s\S]*?)```/
    : new RegExp(`<!-- readme-test: ${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -->\\n+\`\`\`ts\\n([\\s\\S]*?)\`\`\``);
  const block = pattern.exec(readme)?.[1];
  if (block === undefined) throw new Error(marker === undefined ? 'README has no "## Example" ts block' : `README has no ts block marked <!-- readme-test: ${marker} -->`);
  return block;
}

/** Options of {@link runReadmeExample}. */
export interface RunReadmeOptions {
  /** Run the block marked `<!-- readme-test: marker -->` instead of the "## Example" one. */
  marker?: string;
  /** The README's file, when it is not `<packageRoot>/README.md` (the repository's root README). */
  readme?: URL;
  /** Rewrites applied to the block's text before it runs (e.g. a service URL from the environment). */
  replace?: Record<string, string>;
}

/**
 * Runs a README block (by default the first ```ts block under "## Example" of the package's README),
 * with its `from '<packageName>'` import pointed at the package's sources, and returns what it
 * printed with console.log. Keeps README examples honest: a test asserts on the output.
 */
export async function runReadmeExample(packageRoot: URL, packageName: string, options: RunReadmeOptions = {}): Promise<unknown[]> {
  const readme = readFileSync(fileURLToPath(options.readme ?? new URL('README.md', packageRoot)), 'utf8');
  let block = readmeBlock(readme, options.marker);
  for (const [from, to] of Object.entries(options.replace ?? {})) block = block.replaceAll(from, to);
  const file = fileURLToPath(new URL(`test/readme-example-${process.pid}-${Date.now()}.tmp.ts`, packageRoot));
  writeFileSync(file, packageName === '' ? block : block.replaceAll(`from '${packageName}'`, `from '../src/index.js'`));
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
