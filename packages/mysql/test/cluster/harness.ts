// Side by side for PoolCluster: the same body against mysql2's createPoolCluster and ours.
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { createPoolCluster } from '../../src/index.js';

/** One PoolCluster implementation, in mysql2's callback API and in mysql2/promise's. */
export interface ClusterContender {
  name: 'mysql2' | '@pool/mysql';
  /** As `mysql2`'s `createPoolCluster` returns it. */
  callbackCluster(options?: mysql.PoolClusterOptions): mysql.PoolCluster;
  /** As `mysql2/promise`'s `createPoolCluster` returns it. */
  promiseCluster(options?: mysql.PoolClusterOptions): mysqlPromise.PoolCluster;
}

export const clusterContenders: ClusterContender[] = [
  {
    name: 'mysql2',
    callbackCluster: (options) => mysql.createPoolCluster(options),
    promiseCluster: (options) => mysqlPromise.createPoolCluster(options),
  },
  {
    name: '@pool/mysql',
    // the casts are for the typed test bodies only: the objects are ours
    callbackCluster: (options) => createPoolCluster(options as never) as unknown as mysql.PoolCluster,
    promiseCluster: (options) => createPoolCluster(options as never) as unknown as mysqlPromise.PoolCluster,
  },
];

/** Runs `body` once per contender (mysql2 first) and returns both outcomes. */
export async function bothClusters<T>(body: (contender: ClusterContender) => Promise<T>): Promise<{ mysql2: T; ours: T }> {
  const mysql2 = await body(clusterContenders[0]!);
  const ours = await body(clusterContenders[1]!);
  return { mysql2, ours };
}

/** Records a cluster's events in order, as `event:payload` (an error as its message). */
export function recordEvents(cluster: { on(event: string, listener: (payload: unknown) => void): unknown }): string[] {
  const events: string[] = [];
  for (const event of ['warn', 'remove', 'offline', 'online']) {
    cluster.on(event, (payload) => events.push(`${event}:${payload instanceof Error ? (payload as Error & { code?: string }).code ?? payload.message : String(payload)}`));
  }
  return events;
}

/** A callback cluster's `getConnection` as a promise of `{ error, connection }`. */
export function borrow(cluster: mysql.PoolCluster | mysql.PoolNamespace, ...args: unknown[]): Promise<{ error: (Error & { code?: string }) | null; connection: mysql.PoolConnection | undefined }> {
  return new Promise((resolve) => {
    (cluster.getConnection as (...a: unknown[]) => void)(...args, (error: Error | null, connection: mysql.PoolConnection | undefined) => resolve({ error: error as never, connection }));
  });
}

/** Ends a callback cluster and waits for its callback. */
export function endCluster(cluster: { end(cb: (error?: unknown) => void): void }): Promise<unknown> {
  return new Promise((resolve) => cluster.end((error) => resolve(error ?? null)));
}
