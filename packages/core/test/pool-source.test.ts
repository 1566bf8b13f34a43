import { describe, expect, it } from 'vitest';
import { defaultPoolName, poolSource, poolsOf, targetName, type PoolSource } from '../adapter-kit/index.js';
import { createPool } from '../src/index.js';

describe('poolSource / poolsOf', () => {
  it('reads the pools behind a ready-made client, a core pool as itself, and nothing from anything else', async () => {
    const a = createPool({ create: async () => ({}) }, { name: 'a' });
    const b = createPool({ create: async () => ({}) }, { name: 'b' });
    const client: PoolSource = { [poolSource]: () => [a, b] as never[] };
    expect(poolsOf(client)).toEqual([a, b]);
    expect(poolsOf(a)).toEqual([a]);
    expect(poolsOf({ stats: () => ({}) })).toBeUndefined();
    expect(poolsOf(null)).toBeUndefined();
    expect(poolSource).toBe(Symbol.for('@pool/core.poolSource')); // the same key in two installed copies
    await Promise.all([a.close(), b.close()]);
  });
});

describe('defaultPoolName', () => {
  it('keeps a given name, and numbers a derived one the second time it is handed out', () => {
    const base = `test:${Math.random()}:1/db`;
    expect(defaultPoolName('mine', base)).toBe('mine');
    expect(defaultPoolName(undefined, base)).toBe(base);
    expect(defaultPoolName(undefined, base)).toBe(`${base}#2`);
    expect(defaultPoolName(undefined, base)).toBe(`${base}#3`);
  });
});

describe('targetName', () => {
  it('names a pool after the fields, else the URL, else the fallback, never with credentials', () => {
    expect(targetName('pg', 'postgres://app:s3cret@db.example:6543/shop', {}, { host: 'localhost', port: 5432 })).toBe('pg:db.example:6543/shop');
    expect(targetName('pg', 'postgres://app:s3cret@db.example/shop', { port: 5433, database: 'other' }, { host: 'localhost', port: 5432 })).toBe('pg:db.example:5433/other');
    expect(targetName('mysql', undefined, {}, { host: 'localhost', port: 3306 })).toBe('mysql:localhost:3306');
    expect(targetName('mysql', 'not a url', { host: 'h' }, { host: 'localhost', port: 3306 })).toBe('mysql:h:3306');
  });
});
