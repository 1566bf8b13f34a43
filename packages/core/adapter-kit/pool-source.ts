import { Pool } from '../src/pool.js';

/**
 * The well-known key of a ready-made client's core pools (`Symbol.for`, so two installed copies of
 * @pool/core agree): `client[poolSource]()` returns the @pool/core pools behind it (one, or one per
 * origin for @pool/http). Metrics exporters and tracers read pools through it.
 */
export const poolSource: unique symbol = Symbol.for('@pool/core.poolSource') as never;

/** Anything that can show the @pool/core pools behind it. */
export interface PoolSource {
  [poolSource](): ReadonlyArray<Pool<unknown>>;
}

/** The pools behind `value`: its `[poolSource]()`, or `[value]` for a core `Pool`; else undefined. */
export function poolsOf(value: unknown): ReadonlyArray<Pool<unknown>> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const source = (value as Partial<PoolSource>)[poolSource];
  if (typeof source === 'function') return source.call(value);
  return value instanceof Pool ? [value as Pool<unknown>] : undefined;
}

const handedOut = new Map<string, number>();

/** `given`, else a name from where the pool connects (`pg:host:5432/db`); the second pool with the same base gets `#2`. */
export function defaultPoolName(given: string | undefined, base: string): string {
  if (given !== undefined) return given;
  const n = (handedOut.get(base) ?? 0) + 1;
  handedOut.set(base, n);
  return n === 1 ? base : `${base}#${n}`;
}

/** Where a pool connects, for naming it. */
export interface TargetFields {
  host?: string | undefined;
  port?: number | string | undefined;
  database?: string | undefined;
}

/**
 * `scheme:host:port/database` from the fields, else a connection URL, else `fallback`: the base name
 * of {@link defaultPoolName}. Never carries credentials.
 */
export function targetName(scheme: string, url: string | undefined, fields: TargetFields, fallback: TargetFields): string {
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  const host = fields.host ?? (parsed?.hostname || fallback.host);
  const port = fields.port ?? (parsed?.port || fallback.port);
  const database = fields.database ?? (decodeURIComponent(parsed?.pathname.slice(1) ?? '') || fallback.database);
  return `${scheme}:${host}:${port}${database === undefined ? '' : `/${database}`}`;
}
