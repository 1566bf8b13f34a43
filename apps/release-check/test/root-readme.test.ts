import { requireService, runReadmeExample, serviceUrl } from '@pool/testkit';
import { describe, expect, it } from 'vitest';

const pg = await requireService('pg');
const here = new URL('../', import.meta.url);
const readme = new URL('../../../README.md', import.meta.url);

// The root README's blocks marked `<!-- readme-test: ... -->`, run as written (imports resolve to the workspace packages).
describe('root README', () => {
  it.skipIf(!pg.available)('the quick start runs against PostgreSQL', async () => {
    const printed = await runReadmeExample(here, '', { readme, marker: 'quick-start', replace: { 'postgres://postgres@127.0.0.1:5432/test': serviceUrl('pg') } });
    expect(printed).toEqual([42]);
  });

  it('the engine example runs, try/finally form', async () => {
    expect(await runReadmeExample(here, '', { readme, marker: 'engine' })).toEqual(['answer to 2+2']);
  });
});
