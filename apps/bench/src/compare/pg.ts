import { selectOneComparison } from './pg-select-one.js';

/** W5: `SELECT 1` at 100 callers, @pool/pg against pg.Pool on the server itself. */
export default selectOneComparison({
  id: 'W5',
  title: 'pg: SELECT 1, max 10, 100 callers; @pool/pg query() vs pg.Pool query()',
  env: 'POOL_PG_URL',
  fallbackUrl: 'postgres://postgres@127.0.0.1:5432/test',
  server: 'PostgreSQL',
  label: 'pool-bench-pg',
});
