import { createPool } from '@pool/core';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE, PrometheusExporter, isPoolMetricsError, prometheusText } from '../src/index.js';
import { parseExposition, valueOf } from './exposition-parser.js';
import { StubPool } from './stub-pool.js';
import { promtoolCheck, requirePromtool } from '@pool/testkit';

function counterProvider() {
  let next = 0;
  return { create: async () => ({ id: ++next }) };
}

describe('prometheusText: stats() of several pools', () => {
  it('exposes every pool under one HELP/TYPE per family, with the right values', async () => {
    const a = createPool(counterProvider(), { name: 'pg', max: 4 });
    const b = createPool(counterProvider(), { name: 'redis', max: 2 });
    const held = [await a.acquire(), await a.acquire(), await b.acquire()];
    held[1]!.release(); // pg: 1 idle, 1 used; redis: 0 idle, 1 used
    const text = prometheusText([a, b]);
    const f = parseExposition(text); // throws on a duplicated family or a malformed line

    expect(f.get('db_client_connections')?.type).toBe('gauge');
    expect(valueOf(f, 'db_client_connections', 'db_client_connections', { pool: 'pg', state: 'idle' })).toBe(1);
    expect(valueOf(f, 'db_client_connections', 'db_client_connections', { pool: 'pg', state: 'used' })).toBe(1);
    expect(valueOf(f, 'db_client_connections', 'db_client_connections', { pool: 'redis', state: 'idle' })).toBe(0);
    expect(valueOf(f, 'db_client_connections', 'db_client_connections', { pool: 'redis', state: 'used' })).toBe(1);
    expect(valueOf(f, 'db_client_connection_max', 'db_client_connection_max', { pool: 'pg' })).toBe(4);
    expect(valueOf(f, 'db_client_connection_max', 'db_client_connection_max', { pool: 'redis' })).toBe(2);
    expect(valueOf(f, 'db_client_connection_idle_min', 'db_client_connection_idle_min', { pool: 'pg' })).toBe(0);
    expect(valueOf(f, 'db_client_connection_pending_requests', 'db_client_connection_pending_requests', { pool: 'pg' })).toBe(0);
    expect(f.get('db_client_connection_timeouts_total')?.type).toBe('counter');
    expect(valueOf(f, 'pool_acquires_total', 'pool_acquires_total', { pool: 'pg' })).toBe(2);
    expect(valueOf(f, 'pool_releases_total', 'pool_releases_total', { pool: 'pg' })).toBe(1);
    expect(valueOf(f, 'pool_resources_created_total', 'pool_resources_created_total', { pool: 'redis' })).toBe(1);
    // prometheusText has no histograms: those need events recorded over time
    expect([...f.keys()].some((k) => k.endsWith('_seconds'))).toBe(false);
    // every counter family ends in _total, every family has a sample per pool
    for (const [name, family] of f) {
      if (family.type === 'counter') expect(name).toMatch(/_total$/);
      expect(new Set(family.samples.map((s) => s.labels.pool))).toEqual(new Set(['pg', 'redis']));
    }
    for (const l of held) if (!l.released) l.release();
    await Promise.all([a.close(), b.close()]);
  });

  it('reports pending callers and timeouts', async () => {
    const pool = createPool(counterProvider(), { name: 'tight', max: 1, acquireTimeoutMs: 20 });
    const lease = await pool.acquire();
    const waiting = pool.acquire({ timeoutMs: 60_000 });
    let f = parseExposition(prometheusText([pool]));
    expect(valueOf(f, 'db_client_connection_pending_requests', 'db_client_connection_pending_requests', { pool: 'tight' })).toBe(1);
    lease.release();
    const second = await waiting; // held: the next acquire times out after 20 ms
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_TIMEOUT' });
    second.release();
    f = parseExposition(prometheusText([pool]));
    expect(valueOf(f, 'db_client_connection_timeouts_total', 'db_client_connection_timeouts_total', { pool: 'tight' })).toBe(1);
    await pool.close({ timeoutMs: 10 });
  });

  it('escapes label values and exposes unavailable/paused as 0/1', () => {
    const odd = new StubPool('we"ird\\name\nx', { unavailable: true, paused: true });
    const text = prometheusText([odd]);
    expect(text).toContain('pool="we\\"ird\\\\name\\nx"');
    const f = parseExposition(text);
    expect(valueOf(f, 'pool_unavailable', 'pool_unavailable', { pool: 'we"ird\\name\nx' })).toBe(1);
    expect(valueOf(f, 'pool_paused', 'pool_paused', { pool: 'we"ird\\name\nx' })).toBe(1);
  });

  it('renders the exact text of one family line by line', () => {
    const text = prometheusText([new StubPool('a', { idle: 2, borrowed: 3 }), new StubPool('b')]);
    const lines = text.split('\n');
    const at = lines.indexOf('# TYPE db_client_connections gauge');
    expect(lines[at - 1]).toBe('# HELP db_client_connections Connections in the pool by state: idle, or used (borrowed).');
    expect(lines.slice(at + 1, at + 5)).toEqual([
      'db_client_connections{pool="a",state="idle"} 2',
      'db_client_connections{pool="a",state="used"} 3',
      'db_client_connections{pool="b",state="idle"} 0',
      'db_client_connections{pool="b",state="used"} 0',
    ]);
    expect(text.endsWith('\n')).toBe(true);
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('applies a prefix and refuses an invalid one', () => {
    const f = parseExposition(prometheusText([new StubPool('a')], { prefix: 'app_' }));
    expect(f.has('app_db_client_connections')).toBe(true);
    expect([...f.keys()].every((k) => k.startsWith('app_'))).toBe(true);
    expect(() => prometheusText([], { prefix: '9bad' })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_OPTION' }));
  });

  it('with no pools, still declares every family (no samples)', () => {
    const f = parseExposition(prometheusText([]));
    expect(f.get('db_client_connections')?.samples).toEqual([]);
  });
});

describe('PrometheusExporter: histograms from pool events', () => {
  it('builds create/wait/use histograms in seconds, cumulative, with +Inf = count', () => {
    const pool = new StubPool('h');
    const exporter = new PrometheusExporter({ buckets: [0.001, 0.01, 0.1] }).add(pool);
    pool.emit('create', { durationMs: 5 });
    pool.emit('acquire', { waitMs: 0.5 });
    pool.emit('acquire', { waitMs: 50 });
    pool.emit('acquire', { waitMs: 5000 });
    pool.emit('release', { heldMs: 2 });
    const f = parseExposition(exporter.collect());
    const wait = 'db_client_connection_wait_time_seconds';
    expect(f.get(wait)?.type).toBe('histogram');
    const bucket = (le: string) => valueOf(f, wait, `${wait}_bucket`, { pool: 'h', le });
    expect([bucket('0.001'), bucket('0.01'), bucket('0.1'), bucket('+Inf')]).toEqual([1, 1, 2, 3]);
    expect(valueOf(f, wait, `${wait}_count`, { pool: 'h' })).toBe(3);
    expect(valueOf(f, wait, `${wait}_sum`, { pool: 'h' })).toBeCloseTo(5.0505, 6);
    const create = 'db_client_connection_create_time_seconds';
    expect(valueOf(f, create, `${create}_bucket`, { pool: 'h', le: '0.001' })).toBe(0);
    expect(valueOf(f, create, `${create}_bucket`, { pool: 'h', le: '0.01' })).toBe(1);
    expect(valueOf(f, create, `${create}_sum`, { pool: 'h' })).toBeCloseTo(0.005, 9);
    const use = 'db_client_connection_use_time_seconds';
    expect(valueOf(f, use, `${use}_count`, { pool: 'h' })).toBe(1);
  });

  it('records real pool events from @pool/core', async () => {
    const pool = createPool(counterProvider(), { name: 'real', max: 2 });
    const exporter = new PrometheusExporter().add(pool);
    await pool.use(async () => {});
    await pool.use(async () => {});
    const f = parseExposition(exporter.collect());
    expect(valueOf(f, 'db_client_connection_wait_time_seconds', 'db_client_connection_wait_time_seconds_count', { pool: 'real' })).toBe(2);
    expect(valueOf(f, 'db_client_connection_use_time_seconds', 'db_client_connection_use_time_seconds_count', { pool: 'real' })).toBe(2);
    expect(valueOf(f, 'db_client_connection_create_time_seconds', 'db_client_connection_create_time_seconds_count', { pool: 'real' })).toBe(1);
    exporter.close();
    await pool.close();
  });

  it('refuses a second pool with the same name, and remove() unsubscribes', () => {
    const a = new StubPool('same');
    const exporter = new PrometheusExporter().add(a).add(a); // the same pool twice is a no-op
    expect(a.listenerCount('acquire')).toBe(1);
    let caught: unknown;
    try {
      exporter.add(new StubPool('same'));
    } catch (error) {
      caught = error;
    }
    expect(isPoolMetricsError(caught, 'METRICS_DUPLICATE_POOL')).toBe(true);
    exporter.remove(a);
    expect(a.listenerCount('acquire') + a.listenerCount('release') + a.listenerCount('create')).toBe(0);
    expect(parseExposition(exporter.collect()).get('db_client_connections')?.samples).toEqual([]);
  });

  it('ignores negative or non-finite durations and refuses bad buckets', () => {
    const pool = new StubPool('n');
    const exporter = new PrometheusExporter().add(pool);
    pool.emit('acquire', { waitMs: -1 });
    pool.emit('acquire', { waitMs: Number.NaN });
    const f = parseExposition(exporter.collect());
    expect(valueOf(f, 'db_client_connection_wait_time_seconds', 'db_client_connection_wait_time_seconds_count', { pool: 'n' })).toBe(0);
    expect(() => new PrometheusExporter({ buckets: [1, 1] })).toThrow(/increase strictly/);
    expect(() => new PrometheusExporter({ buckets: [] })).toThrow(/must not be empty/);
  });

  it('with histograms: false, adds no listeners', () => {
    const pool = new StubPool('quiet');
    new PrometheusExporter({ histograms: false }).add(pool);
    expect(pool.listenerCount('acquire')).toBe(0);
  });
});

describe('promtool check metrics', () => {
  it('finds nothing to flag in the exposition (histograms, counters and gauges of two pools, a prefix)', async () => {
    if (!requirePromtool()) return;
    const a = createPool(counterProvider(), { name: 'a', max: 2 });
    const b = createPool(counterProvider(), { name: 'b "quoted"\nname', max: 1 });
    for (const prefix of ['', 'myapp_']) {
      const exporter = new PrometheusExporter({ prefix }).add(a).add(b);
      await a.use(async () => {});
      await b.use(async () => {});
      expect(promtoolCheck(exporter.collect())).toEqual({ status: 0, output: '' });
      exporter.close();
    }
    await Promise.all([a.close(), b.close()]);
  });
});
