import type { Comparison } from '../comparison.js';

/**
 * The adapter comparisons, by name. Each adapter engineer adds `compare/<name>.ts` with a default
 * export of type {@link Comparison}; until that file exists the comparison reports "not yet available".
 */
export const comparisonNames = ['pg', 'mysql', 'redis', 'http', 'redis-cluster', 'pgbouncer'] as const;

/** A registered comparison's name. */
export type ComparisonName = (typeof comparisonNames)[number];

/** A loaded comparison, or why it cannot be loaded. */
export type LoadedComparison = { name: string; comparison: Comparison } | { name: string; missing: string };

// Variables rather than literals, so `tsc` does not require the files to exist yet.
const files: Record<ComparisonName, string> = {
  pg: './pg.js',
  mysql: './mysql.js',
  redis: './redis.js',
  http: './http.js',
  'redis-cluster': './redis-cluster.js',
  pgbouncer: './pgbouncer.js',
};

/** True when `error` says `file` itself is missing (not a module that file imports). */
function isModuleNotFound(error: unknown, file: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|Does the file exist/i.test(message);
  const name = file.slice(2, -3);
  return notFound && (message.includes(`compare/${name}.`) || message.includes(`${file} `) || message.includes(`'${file}'`));
}

/** Loads one registered comparison; a missing file gives `{ missing: 'not yet available' }`, any other error is thrown. */
export async function loadComparison(name: ComparisonName): Promise<LoadedComparison> {
  const file = files[name];
  let module: { default?: Comparison };
  try {
    module = (await import(file)) as { default?: Comparison };
  } catch (error) {
    if (isModuleNotFound(error, file)) return { name, missing: `compare/${name}.ts not yet available` };
    throw error;
  }
  if (module.default === undefined || typeof module.default.setup !== 'function') {
    return { name, missing: `compare/${name}.ts has no default export of type Comparison` };
  }
  return { name, comparison: module.default };
}

/** Loads every registered comparison, in registry order. */
export async function loadComparisons(): Promise<LoadedComparison[]> {
  const loaded: LoadedComparison[] = [];
  for (const name of comparisonNames) loaded.push(await loadComparison(name));
  return loaded;
}
