import { findBinary } from './commands.js';
import { startManagedServer, type PrivateServer } from './managed-server.js';
import { redisCommand } from './resp.js';

/** A private Redis (no password unless given). */
export interface PrivateRedisServer extends PrivateServer {
  readonly kind: 'redis';
  /** One command over a fresh connection; the reply's payload as text (see {@link redisCommand}). */
  command(...args: string[]): Promise<string>;
  /** `CLIENT KILL TYPE normal`: closes every client connection (pub/sub and replicas aside); returns how many. */
  killClients(): Promise<number>;
}

/** Options of {@link startPrivateRedisServer}. */
export interface PrivateRedisOptions {
  /** Extra redis-server arguments, e.g. `['--maxclients', '20']`. */
  args?: string[];
  /** A `requirepass` the readiness probe must AUTH with (pass `--requirepass` in `args` too). */
  password?: string;
  /** Keep the data across stop/start (an RDB save on shutdown). @default true */
  persistent?: boolean;
}

/** Starts a disposable redis-server on a free loopback port. */
export async function startPrivateRedisServer(options: PrivateRedisOptions = {}): Promise<PrivateRedisServer> {
  const binary = findBinary(['redis-server']);
  if (binary === undefined) throw new Error('redis-server is not installed (install it with scripts/services)');
  const auth = options.password !== undefined ? { password: options.password } : {};
  return startManagedServer(
    {
      kind: 'redis',
      dirPrefix: 'pool-redis-',
      async prepare() {},
      command(dir, port) {
        const save = options.persistent === false ? '' : '3600 1'; // with a save point, SIGTERM saves before exit
        const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', save, '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', '', ...(options.args ?? [])];
        return { file: binary, args };
      },
      async ready(_dir, port, pid) {
        try {
          // the server answering must be the one started here, not another that got the same port
          return /^process_id:(\d+)/m.exec(await redisCommand(port, ['INFO', 'server'], { ...auth, timeoutMs: 1_000 }))?.[1] === String(pid);
        } catch {
          return false;
        }
      },
      stopSignal: 'SIGTERM',
      url: (port) => `redis://127.0.0.1:${port}`,
    },
    (server) => ({
      kind: 'redis' as const,
      command: (...args: string[]) => redisCommand(server.port, args, auth),
      killClients: async () => Number(await redisCommand(server.port, ['CLIENT', 'KILL', 'TYPE', 'normal'], auth)),
    }),
  );
}
