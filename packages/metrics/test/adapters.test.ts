import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { createHttpPool } from '@pool/http';
import { createMysqlPool, createPoolCluster } from '@pool/mysql';
import { createPgCluster, createPgPool } from '@pool/pg';
import { createRedisPool } from '@pool/redis';
import { createTcpPool } from '@pool/tcp';
import { promtoolCheck, requirePromtool, requireService, serviceUrl } from '@pool/testkit';
import { createWsPool } from '@pool/ws';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { PrometheusExporter } from '../src/index.js';
import { parseExposition } from './exposition-parser.js';

const pg = await requireService('pg');
const mysql = await requireService('mysql');
const redis = await requireService('redis');

/** A line echo server, a JSON-echo WebSocket server and an HTTP server, on free loopback ports. */
async function localServers() {
  const tcp = createTcpServer((socket) => socket.on('data', (d) => socket.write(d)));
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const ws = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(ws, 'listening');
  ws.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
  const http = createHttpServer((_req, res) => res.end('ok'));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (s: { address(): unknown }) => (s.address() as AddressInfo).port;
  return {
    tcpPort: port(tcp), wsPort: port(ws), httpPort: port(http),
    async close() {
      http.closeAllConnections();
      await Promise.all([new Promise((r) => tcp.close(r)), new Promise((r) => ws.close(r)), new Promise((r) => http.close(r))]);
    },
  };
}

describe.skipIf(!pg.available || !mysql.available || !redis.available)('every adapter\'s ready-made client in the Prometheus exporter', () => {
  let servers: Awaited<ReturnType<typeof localServers>>;
  beforeAll(async () => {
    servers = await localServers();
  });
  afterAll(async () => servers?.close());

  it('accepts all of them, names them apart without a `name`, fills the histograms, and passes promtool', async () => {
    const pgA = createPgPool({ connectionString: serviceUrl('pg'), max: 2 });
    const pgB = createPgPool({ connectionString: serviceUrl('pg'), max: 2 }); // same server, no name: must not collide
    const my = createMysqlPool({ uri: serviceUrl('mysql'), pool: { max: 2 } });
    const rd = createRedisPool({ url: serviceUrl('redis'), pool: { max: 2 } });
    const tcp = createTcpPool({ host: '127.0.0.1', port: servers.tcpPort, pool: { max: 2 } });
    const ws = createWsPool({ url: `ws://127.0.0.1:${servers.wsPort}/rpc`, pool: { max: 2 } });
    const http = createHttpPool({ origin: `http://127.0.0.1:${servers.httpPort}`, pool: { max: 2 } });
    const exporter = new PrometheusExporter();
    try {
      for (const source of [pgA, pgB, my, rd, tcp, ws, http]) exporter.add(source);
      for (let i = 0; i < 3; i++) {
        await pgA.query('SELECT 1');
        await pgB.query('SELECT 1');
        await my.query('SELECT 1');
        await rd.withConnection((c) => c.ping());
        await tcp.request('hello');
        await ws.request({ op: 'echo' });
        await (await request(`http://127.0.0.1:${servers.httpPort}/`, { dispatcher: http })).body.text();
      }
      const text = exporter.collect();
      const families = parseExposition(text);
      const useCount = families.get('db_client_connection_use_time_seconds')!.samples.filter((s) => s.name.endsWith('_count'));
      const names = useCount.map((s) => s.labels.pool).sort();
      expect(names).toEqual([
        `http:127.0.0.1:${servers.httpPort}`,
        expect.stringMatching(/^mysql:127\.0\.0\.1:3306\/test/),
        expect.stringMatching(/^pg:127\.0\.0\.1:5432\/test/),
        expect.stringMatching(/^pg:127\.0\.0\.1:5432\/test#\d+$/),
        expect.stringMatching(/^redis:127\.0\.0\.1:6379\/0/),
        `tcp:127.0.0.1:${servers.tcpPort}`,
        `ws:127.0.0.1:${servers.wsPort}/rpc`,
      ]);
      for (const family of ['create_time', 'wait_time', 'use_time']) {
        for (const s of families.get(`db_client_connection_${family}_seconds`)!.samples.filter((x) => x.name.endsWith('_count'))) {
          expect({ family, pool: s.labels.pool, observed: s.value > 0 }).toEqual({ family, pool: s.labels.pool, observed: true });
        }
      }
      if (requirePromtool()) expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    } finally {
      exporter.close();
      await Promise.all([pgA.end(), pgB.end(), my.end(), rd.end(), tcp.close(), ws.close(), http.close()]);
    }
  }, 60_000);

  it("a PgCluster: exporter.add(cluster) gives each host's pool its own series", async () => {
    const url = new URL(serviceUrl('pg'));
    const other = new URL(url);
    other.hostname = 'localhost'; // the same server under a second host name: two hosts, two pools
    const cluster = createPgCluster({ hosts: [url.href, other.href], targetSessionAttrs: 'any', max: 2 });
    const exporter = new PrometheusExporter();
    try {
      exporter.add(cluster);
      for (let i = 0; i < 4; i++) await cluster.query('SELECT 1');
      const families = parseExposition(exporter.collect());
      const acquires = families.get('pool_acquires_total')!.samples;
      expect(acquires.map((s) => s.labels.pool).sort()).toEqual([expect.stringMatching(/^pg:127\.0\.0\.1:5432\//), expect.stringMatching(/^pg:localhost:5432\//)]);
      expect(acquires.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(4);
    } finally {
      exporter.close();
      await cluster.end();
    }
  });

  it("a mysql2-style PoolCluster: exporter.add(cluster) gives each node's pool its own series", async () => {
    const cluster = createPoolCluster();
    cluster.add('MASTER', { uri: serviceUrl('mysql'), pool: { max: 2 } });
    cluster.add('SLAVE1', { uri: serviceUrl('mysql'), pool: { max: 2 } });
    const exporter = new PrometheusExporter();
    try {
      exporter.add(cluster);
      for (let i = 0; i < 4; i++) await cluster.of('*', 'RR').query('SELECT 1');
      const families = parseExposition(exporter.collect());
      const acquires = families.get('pool_acquires_total')!.samples;
      expect(acquires).toHaveLength(2);
      expect(new Set(acquires.map((s) => s.labels.pool)).size).toBe(2);
      // round-robin: two calls on each node
      expect(acquires.map((s) => s.value)).toEqual([2, 2]);
    } finally {
      exporter.close();
      await cluster.end();
    }
  });
});
