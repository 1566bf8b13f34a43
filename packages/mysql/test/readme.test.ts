import { requireService, runReadmeExample } from '@pool/testkit';
import { expect, it } from 'vitest';

const service = await requireService('mysql');

// Runs the README's example as written (its import pointed at this package's sources) on the test server.
it.skipIf(!service.available)('the README example runs and prints what it says', async () => {
  const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/mysql');
  expect(printed.slice(0, 4)).toEqual([42, [{ id: 1 }], { n: 1 }, { n: 2 }]);
  expect(printed[4]).toMatchObject({ name: expect.stringMatching(/^mysql:127\.0\.0\.1:3306\/test/), borrowed: 0 });
});
