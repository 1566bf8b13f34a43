import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { copyTree, findBinary, run, template } from './commands.js';
import { startManagedServer, type PrivateServer } from './managed-server.js';
import { serviceUser } from './processes.js';

/** A private MariaDB: root with no password on 127.0.0.1 and the socket, a `test` database. */
export interface PrivateMariadb extends PrivateServer {
  readonly kind: 'mariadb';
  /** Its unix socket. */
  readonly socketPath: string;
  /** Runs SQL with the mariadb client over the socket (database `test`); returns its tab-separated output, no headers. */
  sql(text: string): Promise<string>;
  /** `KILL CONNECTION` of every sleeping (idle) client connection but the mariadb client's own; returns how many. */
  killIdleConnections(): Promise<number>;
}

/** Options of {@link startPrivateMariadb}. */
export interface PrivateMariadbOptions {
  /** Extra server options, e.g. `['--max-connections=20']`. */
  args?: string[];
}

// Options both the install and the server must agree on (the redo log size), then speed over durability.
const COMMON = ['--innodb-log-file-size=8M'];
const SPEED = ['--skip-log-bin', '--innodb-buffer-pool-size=32M', '--innodb-flush-log-at-trx-commit=0', '--performance-schema=OFF', '--skip-name-resolve', '--max-connections=500'];

function binary(names: string[]): string {
  const found = findBinary(names);
  if (found === undefined) throw new Error(`no ${names[0]} (install mariadb-server with scripts/services)`);
  return found;
}

/** mariadb-install-db once per process (root without password, a `test` database); each server copies it. */
function mariadbTemplate(user: { uid: number; gid: number } | undefined): Promise<string> {
  return template('mariadb', async (dir) => {
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
    const install = binary(['mariadb-install-db', 'mysql_install_db']);
    const args = ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...COMMON];
    if (user !== undefined) args.push('--user=mysql');
    await run(install, args);
  });
}

/** Starts a disposable MariaDB on a free loopback port (a copy of a per-process template), as the `mysql` OS user when root. */
export async function startPrivateMariadb(options: PrivateMariadbOptions = {}): Promise<PrivateMariadb> {
  const server = binary(['mariadbd', 'mysqld']);
  const client = binary(['mariadb', 'mysql']);
  const user = serviceUser('mysql');
  return startManagedServer(
    {
      kind: 'mariadb',
      dirPrefix: 'pool-mariadb-',
      async prepare(dir) {
        const source = await mariadbTemplate(user);
        if (user !== undefined) chownSync(dir, user.uid, user.gid);
        await copyTree(join(source, 'data'), join(dir, 'data'));
        // run at every start: the `test` database, root over TCP from 127.0.0.1 without a password
        const init = join(dir, 'init.sql');
        writeFileSync(init, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';\nGRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\nCREATE DATABASE IF NOT EXISTS test;\n");
        chmodSync(init, 0o644);
      },
      command(dir, port) {
        const args = [
          '--no-defaults',
          `--datadir=${join(dir, 'data')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${join(dir, 'mysqld.sock')}`,
          `--pid-file=${join(dir, 'mysqld.pid')}`,
          `--tmpdir=${dir}`,
          `--init-file=${join(dir, 'init.sql')}`,
          ...COMMON,
          ...SPEED,
          ...(options.args ?? []),
        ];
        return { file: server, args, ...user };
      },
      async ready(dir, port, pid) {
        try {
          if (readFileSync(join(dir, 'mysqld.pid'), 'utf8').trim() !== String(pid)) return false;
        } catch {
          return false;
        }
        return handshakes(port);
      },
      stopSignal: 'SIGTERM',
      url: (port) => `mysql://root@127.0.0.1:${port}/test`,
    },
    (started) => {
      const sql = (text: string) => run(client, ['--no-defaults', '-uroot', `--socket=${join(started.dir, 'mysqld.sock')}`, '-N', '-B', '-e', text, 'test'], { timeoutMs: 30_000 });
      return {
        kind: 'mariadb' as const,
        socketPath: join(started.dir, 'mysqld.sock'),
        sql,
        async killIdleConnections() {
          const ids = (await sql("SELECT id FROM information_schema.processlist WHERE command = 'Sleep' AND id <> CONNECTION_ID()"))
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => /^\d+$/.test(line));
          // one by one, each in its own statement: a connection that ended meanwhile must not stop the others
          if (ids.length > 0) await sql(ids.map((id) => `KILL CONNECTION ${id};`).join(' ')).catch(() => undefined);
          return ids.length;
        },
      };
    },
  );
}

/** Whether a TCP connect to `port` gets a MySQL handshake packet (protocol 10), not an error packet. */
function handshakes(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish(false), 1_000);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once('data', (data: Buffer) => finish(data.length > 4 && data[4] === 10));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}
