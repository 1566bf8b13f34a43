/**
 * The options mysql2 reads as numbers whatever their type (`Number(connectionLimit)`,
 * `parseInt(port)`), so configs read from the environment (`port: process.env.DB_PORT`) work there.
 */
const numericKeys = ['port', 'connectTimeout', 'connectionLimit', 'queueLimit', 'maxIdle', 'idleTimeout'] as const;

/** A decimal number written out, spaces around allowed (what an environment variable holds). */
const decimal = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * `config` with mysql2's numeric options given as numeric strings turned into numbers, as mysql2 takes
 * them. Any other string is left for the option check to refuse by name: mysql2 would silently use
 * its default instead (`connectionLimit: 'ten'` gives 10 connections, `''` no limit).
 */
export function numbersFromStrings<T extends object>(config: T): T {
  const source = config as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of numericKeys) {
    const value = source[key];
    if (typeof value !== 'string' || !decimal.test(value)) continue;
    copy ??= { ...source };
    copy[key] = Number(value);
  }
  return (copy ?? config) as T;
}
