import { requireService, runReadmeExample, serviceUrl } from '@pool/testkit';
import { describe, expect, it } from 'vitest';

const pg = await requireService('pg');

// Runs the README's example as written (its import pointed at this package's sources, its URL at the test server).
describe.skipIf(!pg.available)('README', () => {
  it('the example runs against PostgreSQL and prints what it says', async () => {
    const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/pg', { replace: { 'postgres://postgres@127.0.0.1:5432/test': serviceUrl('pg') } });
    expect(printed[0]).toBe(42);
    expect(printed[1]).toMatchObject({ closed: false, totals: { created: expect.any(Number) } });
  });
});
