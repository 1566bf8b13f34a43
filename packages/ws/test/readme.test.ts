import { runReadmeExample } from '@pool/testkit';
import { expect, it } from 'vitest';

// Runs the README's example as written (its import pointed at this package's sources).
it('the README example runs and prints what it says', async () => {
  const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/ws');
  expect(printed).toEqual([3, [2, 4, 6], '{"id":"raw-1","result":42}']);
});
