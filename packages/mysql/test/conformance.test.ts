import { requireService, runConformance, serviceAddress } from '@pool/testkit';
import { mysqlProvider } from '../src/index.js';
import { adminConnection, connectionOptions, kill } from './helpers.js';

const service = await requireService('mysql');

runConformance({
  name: '@pool/mysql',
  provider: (target) => mysqlProvider({ ...connectionOptions(target), quitTimeoutMs: 200 }),
  upstream: () => serviceAddress('mysql'),
  roundTrip: async (connection) => {
    await connection.query('SELECT 1');
  },
  killServerSide: async (connection) => {
    const admin = await adminConnection();
    try {
      await kill(admin, connection.threadId);
    } finally {
      await admin.end();
    }
  },
  skip: service.available ? undefined : service.reason,
});
