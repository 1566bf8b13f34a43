// A node down from the start (a closed port: every connect refused) under a burst of borrows, side by side
// with mysql2's PoolCluster: mysql2 counts one error per failed getConnection, and so does ours for an error
// every connect to the node gets (refused, unreachable, access denied), so the node goes 'offline' (or is
// removed) after as many failed borrows as in mysql2, and each later failure says so again, as there.
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PoolCluster } from '../../src/index.js';
import { connectionOptions } from '../helpers.js';
import { borrow, bothClusters, endCluster, recordEvents } from './harness.js';

const service = await requireService('mysql');
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const mysql2Entry = fileURLToPath(new URL('../../node_modules/mysql2/index.js', import.meta.url));

/** A loopback port nothing listens on (taken from the OS, then closed): every connect to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** mysql2's events for `failures` failed borrows of one node, each moved on ('warn'): 'offline' (or 'remove') before each from the `threshold`-th on. */
function eventsAfter(failures: number, threshold: number, event: 'offline' | 'remove', node = 'N1'): string[] {
  return Array.from({ length: failures }, (_, i) => (i + 1 >= threshold ? [`${event}:${node}`, 'warn:ECONNREFUSED'] : ['warn:ECONNREFUSED'])).flat();
}

describe.skipIf(!service.available)('PoolCluster: a node down from the start counts per failed borrow, as mysql2', () => {
  it('a burst of ten borrows, N1 on a closed port (restoreNodeTimeout): every borrow is served by N2, and N1 goes offline at its removeNodeErrorCount-th failed borrow, then says so again at each later one; the same events per failed borrow, and the same error count, as mysql2', async () => {
    const port = await closedPort();
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster({ removeNodeErrorCount: 3, restoreNodeTimeout: 60_000 });
      const events = recordEvents(cluster);
      cluster.add('N1', { ...connectionOptions(), port, connectionLimit: 2 });
      cluster.add('N2', { ...connectionOptions(), connectionLimit: 10 });
      const served = await Promise.all(Array.from({ length: 10 }, async () => {
        const { error, connection } = await borrow(cluster, 'N*');
        connection?.release();
        return error === null ? (connection as unknown as { _clusterId: string })._clusterId : error.code;
      }));
      const errorCount = c.name === 'mysql2'
        ? (cluster as unknown as { _nodes: Record<string, { errorCount: number }> })._nodes.N1!.errorCount
        : (cluster as unknown as PoolCluster).stats().N1!.errorCount;
      await endCluster(cluster);
      const failures = events.filter((e) => e.startsWith('warn:')).length;
      return { served, events, errorCount, failures };
    });
    for (const outcome of [mysql2, ours]) {
      expect(outcome.served).toEqual(Array(10).fill('N2'));
      // the five borrows RR sent to N1 all failed (mysql2 may send a retry there once more before it goes offline)
      expect(outcome.failures).toBeGreaterThanOrEqual(5);
      expect(outcome.errorCount).toBe(outcome.failures);
      expect(outcome.events).toEqual(eventsAfter(outcome.failures, 3, 'offline'));
    }
  });

  it('the same burst with restoreNodeTimeout 0: N1 is removed at its removeNodeErrorCount-th failed borrow in both; ours says so once, mysql2 again per later failure, with an uncaught ECONNREFUSED (each cluster in a child process)', async () => {
    const port = await closedPort();
    const run = (create: string) => {
      const script = `
        import mysql from ${JSON.stringify(mysql2Entry)};
        import { createPoolCluster } from ${JSON.stringify(dist)};
        const uncaught = [];
        process.on('uncaughtException', (error) => uncaught.push(error.code ?? error.message));
        const cluster = ${create}({ removeNodeErrorCount: 3 });
        const events = [];
        for (const event of ['warn', 'remove']) cluster.on(event, (payload) => events.push(event + ':' + (payload instanceof Error ? payload.code : payload)));
        cluster.add('N1', ${JSON.stringify({ ...connectionOptions(), port, connectionLimit: 2 })});
        cluster.add('N2', ${JSON.stringify({ ...connectionOptions(), connectionLimit: 10 })});
        const served = await Promise.all(Array.from({ length: 10 }, () => new Promise((resolve) => cluster.getConnection('N*', (error, connection) => {
          connection?.release();
          resolve(error ? error.code : connection._clusterId);
        }))));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await new Promise((resolve) => cluster.end(resolve));
        console.log(JSON.stringify({ served, events, uncaught }));
      `;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
      return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { served: string[]; events: string[]; uncaught: string[] };
    };
    const mysql2 = run('mysql.createPoolCluster');
    const ours = run('createPoolCluster');
    expect(mysql2.served).toEqual(Array(10).fill('N2'));
    expect(ours.served).toEqual(Array(10).fill('N2'));
    // the first three events in both: two failed borrows moved on, the third removes N1
    expect(mysql2.events.slice(0, 4)).toEqual(['warn:ECONNREFUSED', 'warn:ECONNREFUSED', 'remove:N1', 'warn:ECONNREFUSED']);
    expect(ours.events.slice(0, 4)).toEqual(mysql2.events.slice(0, 4));
    expect(ours.events.filter((e) => e === 'remove:N1')).toHaveLength(1);
    expect(mysql2.events.filter((e) => e === 'remove:N1').length).toBeGreaterThan(1);
    expect(mysql2.uncaught).toContain('ECONNREFUSED');
    expect(ours.uncaught).toEqual([]);
  }, 60_000);

  it('one borrow at a time: the same events and error count as mysql2 (one failed connect per borrow in both)', async () => {
    const port = await closedPort();
    const { mysql2, ours } = await bothClusters(async (c) => {
      const cluster = c.callbackCluster({ removeNodeErrorCount: 3, restoreNodeTimeout: 60_000 });
      const events = recordEvents(cluster);
      cluster.add('N1', { ...connectionOptions(), port, connectionLimit: 2 });
      cluster.add('N2', { ...connectionOptions(), connectionLimit: 10 });
      const served: string[] = [];
      for (let i = 0; i < 6; i++) {
        const { error, connection } = await borrow(cluster as mysql.PoolCluster, 'N*');
        connection?.release();
        served.push(error === null ? (connection as unknown as { _clusterId: string })._clusterId : String(error.code));
      }
      await endCluster(cluster);
      return { served, events };
    });
    expect(mysql2).toEqual({ served: Array(6).fill('N2'), events: eventsAfter(3, 3, 'offline') });
    expect(ours).toEqual(mysql2);
  });
});
