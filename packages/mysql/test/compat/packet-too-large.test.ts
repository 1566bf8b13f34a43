// A statement bigger than the server's max_allowed_packet: the server answers 1153 ER_NET_PACKET_TOO_LARGE and
// closes the connection. mysql2's pool lends that connection to the next call, which fails with ECONNRESET
// although it did nothing wrong; ours closes it with the error, so the next call runs on another connection.
import { requireService } from '@pool/testkit';
import type { RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { adminConnection } from '../helpers.js';
import { shape, sideBySide } from './harness.js';

const service = await requireService('mysql');

describe.skipIf(!service.available)('a statement over max_allowed_packet', () => {
  it('difference: the caller gets mysql2\'s ER_NET_PACKET_TOO_LARGE in both; the next call on a one-connection pool fails with ECONNRESET in mysql2\'s pool, runs in ours', async () => {
    const admin = await adminConnection();
    const [[row]] = await admin.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS max');
    await admin.end();
    const tooBig = 'x'.repeat(Number(row!.max) + 1024);
    const { mysql2, ours } = await sideBySide(async (c) => {
      const pool = c.promisePool({ connectionLimit: 1 });
      await pool.query('SELECT 1');
      const outcome = async (call: Promise<[unknown, unknown]>) => call.then(([rows]) => rows, (e: unknown) => shape(e));
      const viaQuery = await outcome(pool.query('SELECT LENGTH(?) AS n', [tooBig]));
      const afterQuery = await outcome(pool.query('SELECT 2 AS n'));
      const viaExecute = await outcome(pool.execute('SELECT LENGTH(?) AS n', [tooBig]));
      const afterExecute = await outcome(pool.execute('SELECT 4 AS n'));
      await pool.end();
      return { viaQuery, afterQuery, viaExecute, afterExecute };
    });
    for (const result of [mysql2, ours]) {
      expect(result.viaQuery).toMatchObject({ code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153 });
      expect(result.viaExecute).toMatchObject({ code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153 });
    }
    // mysql2 lends the connection again before it has read the server's close (the next call follows at
    // once); should a slow machine let the close in first, mysql2's next call works too, so only its failure's shape is checked
    for (const after of [mysql2.afterQuery, mysql2.afterExecute]) {
      if (!Array.isArray(after)) expect(after).toMatchObject({ code: 'ECONNRESET', fatal: true });
    }
    expect(ours.afterQuery).toEqual([{ n: 2 }]);
    expect(ours.afterExecute).toEqual([{ n: 4 }]);
  }, 20_000);
});
