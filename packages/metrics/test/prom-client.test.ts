import { createPool } from '@pool/core';
import { promtoolCheck, requirePromtool } from '@pool/testkit';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE, PrometheusExporter } from '../src/index.js';
import { parseExposition, valueOf } from './exposition-parser.js';

/** The README's recipe: an app that already serves prom-client's registry appends the pools' exposition. */
async function scrape(registry: Registry, exporter: PrometheusExporter): Promise<string> {
  return (await registry.metrics()) + exporter.collect();
}

describe('beside prom-client (the registry most Node apps already expose)', () => {
  it("one /metrics body: prom-client's registry followed by the exporter's text is one valid exposition", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({ name: 'http_requests_total', help: 'requests served', labelNames: ['route'], registers: [registry] });
    requests.inc({ route: '/orders' }, 3);
    const pool = createPool({ create: async () => ({}) }, { name: 'orders-db', max: 3 });
    const exporter = new PrometheusExporter().add(pool);
    await pool.use(async () => {});

    // the same content type, so the joined body is served under prom-client's own header
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    const body = await scrape(registry, exporter);
    const families = parseExposition(body, { blankLines: true }); // throws on a family named twice or a malformed line
    expect(valueOf(families, 'http_requests_total', 'http_requests_total', { route: '/orders' })).toBe(3);
    expect(valueOf(families, 'pool_acquires_total', 'pool_acquires_total', { pool: 'orders-db' })).toBe(1);
    expect(valueOf(families, 'db_client_connections', 'db_client_connections', { pool: 'orders-db', state: 'idle' })).toBe(1);
    expect(families.get('db_client_connection_wait_time_seconds')?.type).toBe('histogram');
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    if (requirePromtool()) {
      // it parses; the only lint findings are prom-client's own (`nodejs_active_handles_total` is a gauge)
      const findings = promtoolCheck(body).output.split('\n').filter((line) => line !== '');
      expect(findings.filter((line) => !line.startsWith('nodejs_'))).toEqual([]);
    }

    exporter.close();
    await pool.close();
  });

  it('a prom-client metric named like one of ours is a collision the parser catches (use the exporter `prefix`)', async () => {
    const registry = new Registry();
    new Counter({ name: 'pool_acquires_total', help: 'an app counter that happens to share the name', registers: [registry] }).inc();
    const pool = createPool({ create: async () => ({}) }, { name: 'db', max: 1 });
    const plain = new PrometheusExporter().add(pool);
    const clashing = `${await registry.metrics()}${plain.collect()}`;
    expect(() => parseExposition(clashing, { blankLines: true })).toThrow(/pool_acquires_total/);
    plain.close();
    const prefixed = new PrometheusExporter({ prefix: 'app_' }).add(pool);
    const families = parseExposition(await scrape(registry, prefixed), { blankLines: true });
    expect(families.has('app_pool_acquires_total')).toBe(true);
    prefixed.close();
    await pool.close();
  });
});
