import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultsMarkdown } from './markdown.js';
import type { BenchResults } from './results.js';
import { ratiosSvg } from './svg.js';

/** The files one run writes. */
export interface WrittenFiles {
  markdown: string;
  json: string;
  svg: string;
}

/** Writes latest.md, latest.json and ratios.svg into `dir` (created if missing). */
export async function writeResults(results: BenchResults, dir: string): Promise<WrittenFiles> {
  await mkdir(dir, { recursive: true });
  const files = { markdown: join(dir, 'latest.md'), json: join(dir, 'latest.json'), svg: join(dir, 'ratios.svg') };
  await writeFile(files.markdown, resultsMarkdown(results));
  await writeFile(files.json, `${JSON.stringify(results, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
  await writeFile(files.svg, ratiosSvg(results.workloads));
  return files;
}
