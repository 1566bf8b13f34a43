import { selectOneComparison } from './pg-select-one.js';

/**
 * W9: W5 through PgBouncer (transaction mode, default_pool_size 5: scripts/services.d/pgbouncer.sh)
 * instead of the server: @pool/pg with `pooler: 'transaction'` (its statement check runs on every
 * query) against `pg.Pool`. The extra hop and PgBouncer's 5 server connections bound both.
 */
export default selectOneComparison({
  id: 'W9',
  title: "pg through PgBouncer (transaction mode): SELECT 1, max 10, 100 callers; @pool/pg (pooler: 'transaction') vs pg.Pool",
  env: 'POOL_PGBOUNCER_URL',
  fallbackUrl: 'postgres://postgres@127.0.0.1:6432/test',
  server: 'PgBouncer',
  hint: 'start it with `bash scripts/services pgbouncer`',
  label: 'pool-bench-pgbouncer',
  ours: { pooler: 'transaction' },
});
