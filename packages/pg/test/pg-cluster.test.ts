import { recordCallTraces, startFaultProxy, waitUntil } from '@pool/testkit';
import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, createPgPool, PgCluster, splitMultiHostUrl, type PgClusterInput } from '../src/index.js';
import { requireScale, scaleUrls } from './scale-services.js';

const skip = await requireScale('primary', 'replica');
const primaryPort = Number(new URL(scaleUrls.primary).port);
const replicaPort = Number(new URL(scaleUrls.replica).port);
const table = `pool_pgscale_cluster_${process.pid}_${Math.floor(Math.random() * 1e6)}`;

async function portOf(route: { query(text: string): Promise<pg.QueryResult> }): Promise<number> {
  const { rows } = await route.query('SELECT inet_server_port() AS port');
  return rows[0].port as number;
}

describe('createPgPool({ primary, replicas }): options', () => {
  it('refuses mixed or missing hosts and unknown target_session_attrs with POOL_INVALID_OPTION naming the key', () => {
    expect(() => createPgPool({ primary: scaleUrls.primary, hosts: [scaleUrls.replica] })).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'hosts' }));
    expect(() => createPgPool({ hosts: [scaleUrls.primary], targetSessionAttrs: 'readwrite' as never })).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'targetSessionAttrs' }));
    expect(() => createPgPool({ hosts: [] })).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'hosts' }));
    expect(() => createPgPool({ primary: scaleUrls.primary, connectionString: scaleUrls.primary } as never)).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'connectionString' }));
    expect(() => createPgPool({ primary: scaleUrls.primary, health: { checkIntervalMs: -1 } })).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION', option: 'health.checkIntervalMs' }));
  });

  it('query refuses a Submittable and a missing config before routing, as PgPool does', async () => {
    const cluster = createPgPool({ hosts: ['postgres://postgres@127.0.0.1:1/none'], health: { checkIntervalMs: 0 } });
    try {
      await expect(cluster.query(new pg.Query('SELECT 1') as never)).rejects.toMatchObject({ code: 'PG_SUBMITTABLE_NOT_SUPPORTED' });
      await expect(cluster.query(null as never)).rejects.toBeInstanceOf(TypeError);
    } finally {
      await cluster.end();
    }
  });
});

describe('libpq multi-host URLs', () => {
  it('split into one URL per host, keeping user, password, database and parameters; target_session_attrs taken out', () => {
    expect(splitMultiHostUrl('postgres://app:s3cret@db-1,db-2:5433,[::1]:6000/app?sslmode=disable&target_session_attrs=prefer-standby')).toEqual({
      hosts: ['postgres://app:s3cret@db-1/app?sslmode=disable', 'postgres://app:s3cret@db-2:5433/app?sslmode=disable', 'postgres://app:s3cret@[::1]:6000/app?sslmode=disable'],
      targetSessionAttrs: 'prefer-standby',
    });
    expect(splitMultiHostUrl('postgresql://db-1:5432/app')).toBeUndefined();
    expect(() => splitMultiHostUrl('postgres://u:pw@db-1,:5/app')).toThrow(expect.objectContaining({ code: 'POOL_INVALID_OPTION' }));
    expect(() => createPgCluster('postgres://db-1,db-2/app?target_session_attrs=readwrite')).toThrow(expect.objectContaining({ option: 'targetSessionAttrs' }));
  });
});

describe.skipIf(skip !== undefined)('createPgPool({ primary, replicas }) on a streaming replica pair', () => {
  const clusters: PgCluster[] = [];
  const open = (config: PgClusterInput): PgCluster => {
    const cluster = createPgPool({ max: 4, ...config });
    clusters.push(cluster);
    return cluster;
  };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: scaleUrls.primary });
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
    await admin.end();
  });
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.end()));
    const admin = new pg.Client({ connectionString: scaleUrls.primary });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });

  it('query, connect and transaction go to the primary; replica(), { readOnly: true } and readOnly transactions to the replica', async () => {
    const cluster = open({ primary: scaleUrls.primary, replicas: [scaleUrls.replica] });
    expect(cluster).toBeInstanceOf(PgCluster);
    expect(await portOf(cluster)).toBe(primaryPort);
    expect(await portOf(cluster.replica())).toBe(replicaPort);
    expect((await cluster.query({ text: 'SELECT inet_server_port() AS port', readOnly: true })).rows[0].port).toBe(replicaPort);
    expect(await cluster.transaction(async (tx) => (await tx.query('SELECT inet_server_port() AS port')).rows[0].port, { readOnly: true })).toBe(replicaPort);
    const client = await cluster.connect();
    try {
      expect((await client.query('SELECT inet_server_port() AS port')).rows[0].port).toBe(primaryPort);
    } finally {
      client.release();
    }
    expect(cluster.primaryHost).toBe(`127.0.0.1:${primaryPort}`);
    expect(cluster.status().map((s) => [s.host, s.role, s.up])).toEqual([
      [`127.0.0.1:${primaryPort}`, 'primary', true],
      [`127.0.0.1:${replicaPort}`, expect.stringMatching(/^standby/), true],
    ]);
  });

  it('a write on the primary is read back from the replica once replayed', async () => {
    const cluster = open({ primary: scaleUrls.primary, replicas: [scaleUrls.replica] });
    await cluster.query(`INSERT INTO ${table} VALUES (1)`);
    const deadline = Date.now() + 10_000;
    let rows: unknown[] = [];
    while (Date.now() < deadline) {
      // until the replica has replayed the CREATE TABLE, the table is unknown there (42P01)
      const result = await cluster.replica().query(`SELECT id, inet_server_port() AS port FROM ${table}`).catch((error: { code?: string }) => {
        if (error.code === '42P01') return { rows: [] };
        throw error;
      });
      rows = result.rows;
      if (rows.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(rows).toEqual([{ id: 1, port: replicaPort }]);
  });

  it("hosts + targetSessionAttrs follow libpq's rules whatever the order", async () => {
    const hosts = [scaleUrls.replica, scaleUrls.primary];
    expect(await portOf(open({ hosts }))).toBe(primaryPort); // read-write by default
    expect(await portOf(open({ hosts, targetSessionAttrs: 'primary' }))).toBe(primaryPort);
    expect(await portOf(open({ hosts, targetSessionAttrs: 'read-only' }))).toBe(replicaPort);
    expect(await portOf(open({ hosts, targetSessionAttrs: 'standby' }))).toBe(replicaPort);
    expect(await portOf(open({ hosts: [scaleUrls.primary, scaleUrls.replica], targetSessionAttrs: 'prefer-standby' }))).toBe(replicaPort);
    expect([primaryPort, replicaPort]).toContain(await portOf(open({ hosts, targetSessionAttrs: 'any' })));
    // the same as a libpq multi-host URL
    const fromUrl = createPgCluster(`postgres://postgres@127.0.0.1:${replicaPort},127.0.0.1:${primaryPort}/test?target_session_attrs=read-write`);
    clusters.push(fromUrl);
    expect(await portOf(fromUrl)).toBe(primaryPort);
    // a standby-only route with no standby: a typed timeout by the deadline, naming each host's role
    const lonely = open({ hosts: [scaleUrls.primary], targetSessionAttrs: 'standby', connectionTimeoutMillis: 800 });
    const error = await lonely.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POOL_TIMEOUT', cause: { code: 'PG_NO_HOST' } });
    expect(String((error as Error).message)).toContain('primary');
    // writes with no writable host: they wait, then POOL_TIMEOUT with PG_NO_PRIMARY, and nothing ran on the standby
    const noPrimary = open({ hosts: [scaleUrls.replica], connectionTimeoutMillis: 800 });
    const started = performance.now();
    const write = await noPrimary.query(`INSERT INTO ${table} VALUES (99)`).catch((e: unknown) => e);
    expect(write).toMatchObject({ code: 'POOL_TIMEOUT', cause: { code: 'PG_NO_PRIMARY' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
    expect(String((write as Error).message)).toMatch(/standby/);
  });

  it('reads are balanced by least outstanding work across replicas', async () => {
    const replica = new URL(scaleUrls.replica);
    const cluster = open({
      primary: scaleUrls.primary,
      replicas: [
        { host: replica.hostname, port: Number(replica.port), database: 'test', user: 'postgres', application_name: 'r1' },
        { host: replica.hostname, port: Number(replica.port), database: 'test', user: 'postgres', application_name: 'r2' },
      ],
      max: 10,
    });
    const results = await Promise.all(Array.from({ length: 24 }, () => cluster.replica().query("SELECT current_setting('application_name') AS app, pg_sleep(0.05)")));
    const counts = { r1: 0, r2: 0 } as Record<string, number>;
    for (const r of results) counts[r.rows[0].app as string]!++;
    expect(counts.r1! + counts.r2!).toBe(24);
    expect(Math.min(counts.r1!, counts.r2!)).toBeGreaterThanOrEqual(8);
  });

  it('a replica that stops answering is taken out (reads go to the primary, none fail) and probed back in', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: replicaPort });
    try {
      const cluster = open({
        primary: scaleUrls.primary,
        replicas: [`postgres://postgres@${proxy.host}:${proxy.port}/test`],
        health: { checkIntervalMs: 100, probe: { minDelayMs: 50, maxDelayMs: 200 } },
        pool: { validateAfterIdleMs: 0, createTimeoutMs: 1000 },
      });
      expect(await portOf(cluster.replica())).toBe(replicaPort);
      await proxy.refuse(true);
      proxy.closeAll();
      const ports: number[] = [];
      for (let i = 0; i < 10; i++) ports.push(await portOf(cluster.replica()));
      await waitUntil(() => cluster.status()[1]!.up === false, 'the replica to be taken out', 5000);
      expect(await portOf(cluster.replica()), 'reads fall back to the primary').toBe(primaryPort);
      expect(ports.every((p) => p === primaryPort || p === replicaPort)).toBe(true);
      await proxy.refuse(false);
      await waitUntil(() => cluster.status()[1]!.up, 'the replica to be probed back in', 10_000);
      expect(await portOf(cluster.replica())).toBe(replicaPort);
    } finally {
      await proxy.close();
    }
  });

  it('lag guard: a standby whose replay is behind maxReplicationLagMs gets no reads until it catches up', async () => {
    const cluster = open({ primary: scaleUrls.primary, replicas: [scaleUrls.replica], health: { checkIntervalMs: 100, maxReplicationLagMs: 300 } });
    expect(await portOf(cluster.replica())).toBe(replicaPort);
    const replicaAdmin = new pg.Client({ connectionString: scaleUrls.replica });
    await replicaAdmin.connect();
    try {
      await replicaAdmin.query('SELECT pg_wal_replay_pause()');
      await cluster.query(`INSERT INTO ${table} VALUES (2)`);
      await waitUntil(() => cluster.status()[1]!.role !== 'standby', 'the check to see the lag', 5000);
      await new Promise((resolve) => setTimeout(resolve, 400));
      // a write keeps the received WAL ahead of replay while paused
      await cluster.query(`INSERT INTO ${table} VALUES (3)`);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (await portOf(cluster.replica())) !== primaryPort) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await portOf(cluster.replica()), 'reads avoid the lagging standby').toBe(primaryPort);
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()');
      await replicaAdmin.end();
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await portOf(cluster.replica())) !== replicaPort) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await portOf(cluster.replica()), 'back once it caught up').toBe(replicaPort);
  });

  it('Kysely and Drizzle take the cluster where a pg.Pool goes: queries and transactions on the primary', async () => {
    const cluster = open({ primary: scaleUrls.primary, replicas: [scaleUrls.replica] });
    expect(cluster instanceof pg.Pool).toBe(true);
    const orm = drizzle({ client: cluster as unknown as pg.Pool });
    const viaDrizzle = await orm.transaction(async (tx) => {
      await tx.execute(dsql.raw(`INSERT INTO ${table} VALUES (10)`));
      return (await tx.execute(dsql`SELECT inet_server_port() AS port, pg_backend_pid() AS pid`)).rows[0];
    });
    expect(viaDrizzle).toMatchObject({ port: primaryPort });
    const own = open({ primary: scaleUrls.primary, replicas: [scaleUrls.replica] });
    const db = new Kysely<Record<string, { id: number }>>({ dialect: new PostgresDialect({ pool: own as unknown as pg.Pool }) });
    try {
      const rows = await db.transaction().execute(async (trx) => (await sql<{ port: number }>`SELECT inet_server_port() AS port`.execute(trx)).rows);
      expect(rows).toEqual([{ port: primaryPort }]);
      expect(await db.selectFrom(table).select('id').where('id', '=', 10).execute()).toEqual([{ id: 10 }]);
    } finally {
      await db.destroy();
    }
    expect(cluster.totalCount).toBeGreaterThan(0);
    expect(cluster.idleCount).toBe(cluster.totalCount);
  });

  it('every call goes through traceCall (pool:call) with adapter pg and the server it ran on', async () => {
    const cluster = open({ primary: scaleUrls.primary, replicas: [scaleUrls.replica] });
    const seen = await recordCallTraces(async () => {
      await cluster.replica().query('SELECT 1');
      await cluster.query('SELECT 2');
    });
    expect(seen.map((c) => [c.adapter, c.operation, c.statement, c.server?.port])).toEqual([
      ['pg', 'query', 'SELECT 1', replicaPort],
      ['pg', 'query', 'SELECT 2', primaryPort],
    ]);
  });
});
