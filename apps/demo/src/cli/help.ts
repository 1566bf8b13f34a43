import { DEFAULTS } from './options.js';

/** The --help text. */
export function helpText(): string {
  return `pnpm demo [-- options]     (or: node dist/main.js [options] in apps/demo)

Runs a mixed workload through @pool pools for a few seconds, shows each pool live, drops the
connections of one pool's upstream mid-run and shows it recover, then prints a summary and writes
out/chart.svg and out/summary.json. Serves Prometheus metrics on /metrics while it runs.

Embedded (nothing to install): PostgreSQL via PGlite, a TCP line server, a WebSocket server, an HTTP
server. MySQL and Redis join when their URL is given or their default port answers.

Options:
  -d, --duration <time>    how long the workload runs: 8s, 3000ms, 1m (default ${DEFAULTS.durationMs / 1000}s)
      --only <pools>       run only these pools, comma-separated: pg,mysql,redis,tcp,ws,http
      --skip <pools>       run all but these pools
      --pg-url <url>       use this PostgreSQL instead of PGlite (env POOL_PG_URL)
      --mysql-url <url>    MySQL/MariaDB (env POOL_MYSQL_URL; default ${DEFAULTS.mysqlUrl}, skipped if down)
      --redis-url <url>    Redis (env POOL_REDIS_URL; default ${DEFAULTS.redisUrl}, skipped if down)
      --fault <pool|none>  the pool whose upstream fails mid-run (default ${DEFAULTS.fault})
      --fault-ms <ms>      how long the upstream stays down (default ${DEFAULTS.faultMs}, at most a quarter of a short run)
      --metrics-port <n>   port of /metrics on 127.0.0.1 (default ${DEFAULTS.metricsPort}; 0 = any free port)
      --out <dir>          where chart.svg and summary.json go (default apps/demo/out)
      --plain              plain lines even on a terminal
  -h, --help               this text

A URL given by flag or environment must work: if it cannot be reached the demo stops with exit code 3.
Pass a URL with a password in the environment (POOL_PG_URL=... pnpm demo), not as a flag: pnpm echoes flags.
Exit codes: 0 all pools served and the fault recovered, 1 the run failed, 2 bad option, 3 unreachable URL.
`;
}
