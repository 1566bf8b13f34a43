import { requireService, runReadmeExample } from '@pool/testkit';
import { expect, it } from 'vitest';

const service = await requireService('mysql');

// Runs the README's PoolCluster example as written (its import pointed at this package's sources) on the test server.
it.skipIf(!service.available)('the README PoolCluster example runs and prints what it says', async () => {
  const printed = await runReadmeExample(new URL('../../', import.meta.url), '@pool/mysql', { marker: 'cluster' });
  expect(printed).toEqual([42, 'SLAVE1', ['MASTER', 'SLAVE1', 'SLAVE2']]);
});
