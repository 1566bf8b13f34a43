import { connect } from 'node:net';

/**
 * The engines beyond one machine that scripts/services starts (scripts/services.d/pgbouncer.sh and
 * pg-replica.sh): PgBouncer in transaction mode on 6432 in front of the shared server, and a private
 * primary (5434) with a streaming replica (5433). Each URL can be overridden by an environment variable.
 */
export const scaleUrls = {
  pgbouncer: env('POOL_PGBOUNCER_URL', 'postgres://postgres@127.0.0.1:6432/test'),
  primary: env('POOL_PG_PRIMARY_URL', 'postgres://postgres@127.0.0.1:5434/test'),
  replica: env('POOL_PG_REPLICA_URL', 'postgres://postgres@127.0.0.1:5433/test'),
};

function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value !== undefined && value.trim() !== '' ? value.trim() : fallback;
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => done(false), 2000);
    function done(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Checks that the given services answer. Unreachable: a loud skip reason locally, a thrown error
 * when CI=true (CI never skips silently), as @pool/testkit's requireService does.
 */
export async function requireScale(...names: (keyof typeof scaleUrls)[]): Promise<string | undefined> {
  const down: string[] = [];
  for (const name of names) if (!(await portOpen(scaleUrls[name]))) down.push(`${name} (${scaleUrls[name]})`);
  if (down.length === 0) return undefined;
  const reason = `unreachable: ${down.join(', ')}; start them with \`bash scripts/services ${names.includes('pgbouncer') ? 'pgbouncer ' : ''}${names.some((n) => n !== 'pgbouncer') ? 'pg_replica' : ''}\``;
  if (isCi()) throw new Error(`CI=true and ${reason}`);
  console.warn(`\n!!! SKIPPED: ${reason}\n`);
  return reason;
}
