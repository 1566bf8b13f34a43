// Code written for mysql2's PoolCluster, typed with mysql2's types, compiles and runs unchanged on
// ours (`pnpm typecheck` checks this file): the callback form (mysql2) and the promise form (mysql2/promise).
import { requireService } from '@pool/testkit';
import type { PoolConnection, RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { createPoolCluster } from '../../src/index.js';
import { connectionOptions, url } from '../helpers.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('mysql2 PoolCluster code, as written', () => {
  it('callback form', async () => {
    const cluster = createPoolCluster({ canRetry: true, removeNodeErrorCount: 5, restoreNodeTimeout: 0, defaultSelector: 'RR' });
    cluster.add('MASTER', connectionOptions());
    cluster.add('SLAVE1', url);
    cluster.add(connectionOptions());
    const removed: string[] = [];
    cluster.on('remove', (nodeId: string) => removed.push(nodeId));
    cluster.on('warn', (err: Error) => removed.push(err.message));
    const rows = await new Promise<RowDataPacket[]>((resolve, reject) => {
      cluster.getConnection('SLAVE*', 'RR', (err, connection: PoolConnection) => {
        if (err) return reject(err);
        connection.query<RowDataPacket[]>('SELECT 1 AS one', (error, result) => {
          connection.release();
          if (error) reject(error);
          else resolve(result);
        });
      });
    });
    const viaNamespace = await new Promise<RowDataPacket[]>((resolve, reject) => {
      cluster.of('SLAVE*').query<RowDataPacket[]>('SELECT ? AS two', [2], (err, result) => (err ? reject(err) : resolve(result)));
    });
    const viaDefault = await new Promise<string>((resolve) => cluster.getConnection((err, connection) => {
      if (!err) connection.release();
      resolve((connection as PoolConnection & { _clusterId?: string })._clusterId ?? String(err));
    }));
    await new Promise<void>((resolve, reject) => cluster.end((err) => (err ? reject(err) : resolve())));
    expect({ rows, viaNamespace, viaDefault, removed }).toEqual({ rows: [{ one: 1 }], viaNamespace: [{ two: 2 }], viaDefault: 'MASTER', removed: [] });
  });

  it('promise form (mysql2/promise)', async () => {
    const cluster = createPoolCluster();
    cluster.add('MASTER', connectionOptions());
    cluster.add('SLAVE1', connectionOptions());
    const connection = await cluster.getConnection('MASTER');
    const [rows] = await connection.query<RowDataPacket[]>('SELECT 1 AS one');
    connection.release();
    const [fromSlaves] = await cluster.of('SLAVE*', 'RANDOM').execute<RowDataPacket[]>('SELECT ? AS two', [2]);
    const slave = await cluster.of('SLAVE*').getConnection();
    slave.release();
    await cluster.end();
    expect({ rows, fromSlaves }).toEqual({ rows: [{ one: 1 }], fromSlaves: [{ two: 2 }] });
  });
});
