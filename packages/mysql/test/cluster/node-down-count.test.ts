// A node down from the start (a closed port: every connect refused) under a burst of borrows, side by side
// with mysql2's PoolCluster: mysql2 counts one error per failed getConnection, and so does ours for an error
// every connect to the node gets (refused, unreachable, access denied), so the node goes 'offline' (or is
// removed) after as many failed borrows as in mysql2, and each later failure says so again, as there. (With
// restoreNodeTimeout 0, removed: test/cluster/edge-cases.test.ts, each cluster in a child process.)
import { requireService } from '@pool/testkit';
import type mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import type { PoolCluster } from '../../src/index.js';
import { freePort } from '../compat/harness.js';
import { connectionOptions } from '../helpers.js';
import { borrow, bothClusters, endCluster, recordEvents, type ClusterContender } from './harness.js';

const service = await requireService('mysql');

/** A callback cluster of N1 on `port` (nothing listens: every connect refused) and N2 on the shared server; offline for a minute at 3 failed borrows. */
function downFromStart(c: ClusterContender, port: number): { cluster: mysql.PoolCluster; events: string[] } {
  const cluster = c.callbackCluster({ removeNodeErrorCount: 3, restoreNodeTimeout: 60_000 });
  const events = recordEvents(cluster);
  cluster.add('N1', { ...connectionOptions(), port, connectionLimit: 2 });
  cluster.add('N2', { ...connectionOptions(), connectionLimit: 10 });
  return { cluster, events };
}

/** A borrow's node id (then released), or its error's code. */
async function borrowedId(cluster: mysql.PoolCluster): Promise<string> {
  const { error, connection } = await borrow(cluster, 'N*');
  connection?.release();
  return error === null ? (connection as unknown as { _clusterId: string })._clusterId : String(error.code);
}

/** mysql2's events for `failures` failed borrows of one node, each moved on ('warn'): 'offline' (or 'remove') before each from the `threshold`-th on. */
function eventsAfter(failures: number, threshold: number, event: 'offline' | 'remove', node = 'N1'): string[] {
  return Array.from({ length: failures }, (_, i) => (i + 1 >= threshold ? [`${event}:${node}`, 'warn:ECONNREFUSED'] : ['warn:ECONNREFUSED'])).flat();
}

describe.skipIf(!service.available)('PoolCluster: a node down from the start counts per failed borrow, as mysql2', () => {
  it('a burst of ten borrows, N1 on a closed port (restoreNodeTimeout): every borrow is served by N2, and N1 goes offline at its removeNodeErrorCount-th failed borrow, then says so again at each later one; the same events per failed borrow, and the same error count, as mysql2', async () => {
    const port = await freePort();
    const { mysql2, ours } = await bothClusters(async (c) => {
      const { cluster, events } = downFromStart(c, port);
      const served = await Promise.all(Array.from({ length: 10 }, () => borrowedId(cluster)));
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

  it('one borrow at a time: the same events and error count as mysql2 (one failed connect per borrow in both)', async () => {
    const port = await freePort();
    const { mysql2, ours } = await bothClusters(async (c) => {
      const { cluster, events } = downFromStart(c, port);
      const served: string[] = [];
      for (let i = 0; i < 6; i++) served.push(await borrowedId(cluster));
      await endCluster(cluster);
      return { served, events };
    });
    expect(mysql2).toEqual({ served: Array(6).fill('N2'), events: eventsAfter(3, 3, 'offline') });
    expect(ours).toEqual(mysql2);
  });
});
