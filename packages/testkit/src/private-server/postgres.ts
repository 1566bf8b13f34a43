import { chownSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyTree, postgresBinDir, run, template } from './commands.js';
import { startManagedServer, type PrivateServer } from './managed-server.js';
import { serviceUser } from './processes.js';

/** A private PostgreSQL: superuser `postgres`, trust on loopback and the socket, a `test` database. */
export interface PrivatePostgres extends PrivateServer {
  readonly kind: 'postgres';
  /** The directory holding its unix socket (`psql -h <socketDir> -p <port>`). */
  readonly socketDir: string;
  /** Runs SQL with psql over the unix socket (database `test`); returns its unaligned, tuples-only output. */
  sql(text: string): Promise<string>;
  /** `pg_terminate_backend` of every idle client session but psql's own; returns how many. */
  terminateIdleBackends(): Promise<number>;
}

/** Options of {@link startPrivatePostgres}. */
export interface PrivatePostgresOptions {
  /** Extra `-c name=value` server settings, e.g. `{ max_connections: '20' }`. */
  settings?: Record<string, string>;
}

const SPEED_SETTINGS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
  shared_buffers: '32MB',
  listen_addresses: '127.0.0.1',
};

/** initdb once per process (trust auth, C locale, a `test` database); each server copies it. */
function postgresTemplate(bin: string, user: { uid: number; gid: number } | undefined): Promise<string> {
  return template('pg', async (dir) => {
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...user });
    // single-user mode: the `test` database without starting a server
    await run(join(bin, 'postgres'), ['--single', '-D', data, '-c', 'fsync=off', 'postgres'], { ...user, input: 'CREATE DATABASE test;\n' });
  });
}

/**
 * Starts a disposable PostgreSQL on a free loopback port (a copy of a per-process initdb template:
 * ~0.3 s after the first), as the `postgres` OS user when this process is root.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const user = serviceUser('postgres');
  const settings = { ...SPEED_SETTINGS, ...options.settings };
  const psql = (dir: string, port: number, text: string) =>
    run(join(bin, 'psql'), ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'test', '-c', text], { timeoutMs: 30_000 });
  return startManagedServer(
    {
      kind: 'postgres',
      dirPrefix: 'pool-pg-',
      async prepare(dir) {
        const source = await postgresTemplate(bin, user);
        if (user !== undefined) chownSync(dir, user.uid, user.gid);
        await copyTree(join(source, 'data'), join(dir, 'data'));
      },
      command(dir, port) {
        const args = ['-D', join(dir, 'data'), '-p', String(port), '-k', dir];
        for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
        return { file: join(bin, 'postgres'), args, ...user };
      },
      async ready(dir, _port, pid) {
        // postmaster.pid: line 1 the pid, line 8 the status ("ready" once it accepts connections)
        try {
          const lines = readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n');
          return lines[0]?.trim() === String(pid) && lines[7]?.trim() === 'ready';
        } catch {
          return false;
        }
      },
      stopSignal: 'SIGINT',
      url: (port) => `postgres://postgres@127.0.0.1:${port}/test`,
    },
    (server) => ({
      kind: 'postgres' as const,
      socketDir: server.dir,
      sql: (text: string) => psql(server.dir, server.port, text),
      async terminateIdleBackends() {
        const out = await psql(
          server.dir,
          server.port,
          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'idle' AND pid <> pg_backend_pid()",
        );
        return Number(out.trim());
      },
    }),
  );
}
