import { requireService, runConformance } from '@pool/testkit';
import { pgProvider } from '../src/index.js';
import { pidOf, terminate, upstream, urlAt } from './helpers.js';

const svc = await requireService('pg');

runConformance({
  name: '@pool/pg',
  provider: (target) => pgProvider({ connectionString: urlAt(target), application_name: 'pool-pg-conformance' }),
  upstream,
  roundTrip: async (client) => {
    const { rows } = await client.query('SELECT 1 AS one');
    if (rows[0]?.one !== 1) throw new Error('unexpected SELECT 1 result');
  },
  killServerSide: (client) => terminate(pidOf(client)),
  skip: svc.available ? undefined : svc.reason,
});
