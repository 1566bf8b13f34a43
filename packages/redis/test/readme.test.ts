import { requireService, runReadmeExample, serviceUrl } from '@pool/testkit';
import { describe, expect, it } from 'vitest';

const redis = await requireService('redis');

// Runs the README's example as written (its import pointed at this package's sources, its URL at the test server).
describe.skipIf(!redis.available)('README', () => {
  it('the example runs against Redis and prints its stats', async () => {
    const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/redis', { replace: { "'redis://127.0.0.1:6379'": `'${serviceUrl('redis')}'` } });
    expect(printed).toEqual([expect.objectContaining({ closed: false, totals: expect.objectContaining({ created: expect.any(Number) }) })]);
  });
});
