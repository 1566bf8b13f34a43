import { requireService, runReadmeExample } from '@pool/testkit';
import { describe, expect, it } from 'vitest';

const mysql = await requireService('mysql');

// Runs the README's example as written (its import pointed at this package's sources).
describe.skipIf(!mysql.available)('README', () => {
  it('the example runs against MariaDB and prints what it says', async () => {
    const printed = await runReadmeExample(new URL('../', import.meta.url), '@pool/mysql');
    expect(printed[0]).toBe(42);
    expect(printed[1]).toBe('hello');
    expect(printed.at(-1)).toMatchObject({ closed: false, totals: { created: expect.any(Number) } });
  });
});
