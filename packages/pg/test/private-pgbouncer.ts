import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, waitUntil } from '@pool/testkit';
import { connect } from 'node:net';

/** A PgBouncer of one test's own (transaction mode, trust) in front of a given server; never the shared one on 6432. */
export interface PrivatePgBouncer {
  /** A URL through it to database `test` as `postgres`. */
  readonly url: string;
  /** Runs an admin console command (`PAUSE`, `RESUME`, `SHOW POOLS`). */
  admin(command: string): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

const candidates = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** The pgbouncer binary, or undefined when it is not installed (`bash scripts/services pgbouncer` installs it). */
export function pgbouncerBinary(): string | undefined {
  return candidates.find((path) => existsSync(path));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { timeout: 10_000 }, (error) => (error ? reject(error) : resolve())));
}

/**
 * Starts PgBouncer on a free loopback port in front of `server` (`default_pool_size` server
 * connections), as the `postgres` OS user when this process is root (PgBouncer refuses root).
 */
export async function startPrivatePgBouncer(server: { host: string; port: number }, options: { defaultPoolSize: number }): Promise<PrivatePgBouncer> {
  const bin = pgbouncerBinary();
  if (bin === undefined) throw new Error('pgbouncer is not installed');
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'pool-pgbouncer-'));
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${server.host} port=${server.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'admin_users = postgres',
    'pool_mode = transaction',
    `default_pool_size = ${options.defaultPoolSize}`,
    'reserve_pool_size = 0',
    'server_reset_query =',
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n'));
  const root = process.getuid?.() === 0;
  if (root) {
    await run('chown', ['-R', 'postgres:postgres', dir]);
    await run('su', ['postgres', '-s', '/bin/sh', '-c', `${bin} -d -q ${join(dir, 'pgbouncer.ini')}`]);
  } else {
    await run(bin, ['-d', '-q', join(dir, 'pgbouncer.ini')]);
  }
  const pidFile = join(dir, 'pgbouncer.pid');
  await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'pgbouncer to write its pid file', 10_000);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  await waitUntil(() => listening(port), `pgbouncer to listen on ${port}`, 10_000, 20);
  const url = `postgres://postgres@127.0.0.1:${port}/test`;
  const pg = (await import('pg')).default;
  return {
    url,
    async admin(command) {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/pgbouncer` });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query(command);
      } finally {
        await client.end();
      }
    },
    async dispose() {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // gone already
      }
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
