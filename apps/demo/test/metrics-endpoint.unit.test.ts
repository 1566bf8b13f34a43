import { createServer } from 'node:net';
import { createPool } from '@pool/core';
import { PrometheusExporter } from '@pool/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsEndpoint, type MetricsEndpoint } from '../src/metrics-endpoint.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function endpointFor(port: number, notes: string[] = []): Promise<{ endpoint: MetricsEndpoint; exporter: PrometheusExporter }> {
  const pool = createPool({ create: async () => ({}) }, { name: 'things', max: 3 });
  const exporter = new PrometheusExporter().add(pool);
  await pool.use(async () => {}); // recorded: one wait, one use, one create
  const endpoint = await startMetricsEndpoint(exporter, port, (m) => notes.push(m));
  cleanup.push(async () => {
    await endpoint.close();
    exporter.close();
    await pool.close();
  });
  return { endpoint, exporter };
}

describe('/metrics endpoint', () => {
  it('serves the Prometheus exposition of the pools and counts scrapes', async () => {
    const { endpoint } = await endpointFor(0);
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(endpoint.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('db_client_connections{pool="things",state="idle"} 1');
    expect(text).toContain('db_client_connection_max{pool="things"} 3');
    expect(text).toContain('db_client_connection_wait_time_seconds_count{pool="things"} 1');
    expect(endpoint.scrapes()).toBe(1);
    expect((await fetch(endpoint.url.replace('/metrics', '/other'))).status).toBe(404);
    expect(endpoint.scrapes()).toBe(1);
  });

  it('moves to a free port when the asked one is taken, and says so', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as { port: number }).port;
    const notes: string[] = [];
    const { endpoint } = await endpointFor(taken, notes);
    expect(endpoint.url).not.toContain(`:${taken}/`);
    expect(notes).toEqual([`port ${taken} is in use; /metrics moves to a free port`]);
    expect((await fetch(endpoint.url)).status).toBe(200);
  });
});
