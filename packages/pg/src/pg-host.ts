import { setMaxListeners } from 'node:events';
import pg from 'pg';
import { backoffDelay } from '@pool/core/adapter-kit';
import { describeRole, queryRole, type HostRole } from './host-role.js';
import { PgPool } from './pg-pool.js';
import type { PgPoolConfig } from './pool-config.js';
import { PgScaleError } from './scale-errors.js';

/** How hosts are taken out of rotation, probed back in, and checked. */
export interface HostHealthOptions {
  /** Connection failures in a row (connect errors, failed checks, connections lost) that take a host out. @default 2 */
  downAfterFailures?: number;
  /** Backoff between probes of a down host (a fresh connection and the role query). @default { minDelayMs: 100, maxDelayMs: 2000 } */
  probe?: { minDelayMs?: number; maxDelayMs?: number };
  /** Each up host is checked this often (a fresh connection and the role query): role changes, lag, and liveness. 0 = never. @default 5000 */
  checkIntervalMs?: number;
  /** Reads skip a standby whose replay lag (last check) is above this, in ms. @default Infinity (no lag guard) */
  maxReplicationLagMs?: number;
}

/** Resolved {@link HostHealthOptions}. */
export interface HostSettings {
  downAfterFailures: number;
  probeMinDelayMs: number;
  probeMaxDelayMs: number;
  checkIntervalMs: number;
  maxReplicationLagMs: number;
}

/** What a host tells its cluster. */
export interface HostListener {
  /** A new connection, a probe or a check saw the server's role. */
  onRole(host: PgHost, role: HostRole): void;
  onDown(host: PgHost, cause: unknown): void;
  onUp(host: PgHost): void;
}

/** One host's status, as {@link PgCluster.status} reports it. */
export interface PgHostStatus {
  /** `host:port`. */
  host: string;
  /** `primary`, `standby`, `standby (lag 120 ms)`, `read-only primary` or `unknown`, from the last connect or check. */
  role: string;
  /** False while the host is out of rotation (probed back in with backoff). */
  up: boolean;
  /** Calls routed to it that have not finished. */
  inflight: number;
  /** Connection failures in a row. */
  failures: number;
  lastError: unknown;
  pool: ReturnType<PgPool['stats']>;
}

type ClientClass = new (config: pg.ClientConfig) => pg.Client;

function downController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * One PostgreSQL server of a cluster: its own {@link PgPool} (one @pool/core pool per host), the role
 * it last reported, and its health. Like libpq, every new connection asks the server its role
 * (`pg_is_in_recovery()`, `transaction_read_only`, replay lag) before it is used. A host whose
 * connections fail `downAfterFailures` times in a row is taken out: its idle connections are closed,
 * acquires waiting on it are aborted (the cluster routes them elsewhere), and it is probed back in
 * with backoff.
 */
export class PgHost {
  readonly pool: PgPool;
  /** `host:port`, for messages and status. */
  readonly name: string;
  readonly server: { host: string; port: number; database: string | undefined };
  role: HostRole | undefined;
  /** True once a connect, probe or check has answered (a role) or failed: until then, routing waits for it. */
  checked = false;
  up = true;
  inflight = 0;
  failures = 0;
  lastError: unknown;
  private controller = downController();
  private probeFailures = 0;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly checkTimer: ReturnType<typeof setInterval> | undefined;
  private probing = false;
  private closed = false;

  constructor(config: PgPoolConfig, private readonly settings: HostSettings, private readonly listener: HostListener) {
    this.server = addressOf(config);
    this.name = `${this.server.host}:${this.server.port}`;
    const Base = (config.Client as ClientClass | undefined) ?? pg.Client;
    this.pool = new PgPool({ ...config, Client: roleCheckingClient(Base, this) } as PgPoolConfig);
    this.pool.on('error', () => undefined); // idle-client errors: the client is replaced; failures are counted below
    if (settings.checkIntervalMs > 0) {
      this.checkTimer = setInterval(() => {
        if (this.up && !this.probing) void this.probe();
      }, settings.checkIntervalMs);
      this.checkTimer.unref();
    }
  }

  /** Aborted when the host goes down: passed to acquires so waiters move on at once. */
  get downSignal(): AbortSignal {
    return this.controller.signal;
  }

  /** True for a standby usable for reads: up, known to be in recovery, lag within the guard. */
  get readableStandby(): boolean {
    return this.up && this.role !== undefined && this.role.standby && this.role.lagMs <= this.settings.maxReplicationLagMs;
  }

  /** A connection reported the server's role. */
  noteRole(role: HostRole): void {
    if (this.closed) return;
    this.checked = true;
    this.failures = 0;
    this.role = role;
    if (!this.up) this.markUp();
    this.listener.onRole(this, role);
  }

  /** A connection-level failure; enough in a row take the host out. */
  noteFailure(error: unknown): void {
    if (this.closed) return;
    this.checked = true;
    this.failures++;
    this.lastError = error;
    if (this.up && this.failures >= this.settings.downAfterFailures) this.markDown(error);
  }

  /**
   * A fresh connection outside the pool and the role query (run by the connect hook), then closed.
   * Resolves with the role, or undefined when the host did not answer (counted as a failure).
   */
  async probe(timeoutMs = this.pool.core.options.createTimeoutMs): Promise<HostRole | undefined> {
    if (this.closed) return undefined;
    this.probing = true;
    const provider = this.pool.provider;
    try {
      const client = await provider.create({ signal: AbortSignal.timeout(Math.min(timeoutMs, 2 ** 31 - 1)) });
      await provider.destroy?.(client);
      return this.role;
    } catch {
      // counted by the connect hook (connect or role query failed) or by an aborted create
      return undefined;
    } finally {
      this.probing = false;
    }
  }

  /** Takes the host out: closes idle connections, aborts acquires waiting on it, starts probing. */
  markDown(cause: unknown): void {
    if (this.closed || !this.up) return;
    this.up = false;
    this.probeFailures = 0;
    const error = new PgScaleError('PG_NO_HOST', `host ${this.name} was taken out of rotation after ${this.failures} consecutive failures`, { cause, host: this.name });
    this.controller.abort(error);
    this.pool.core.evictAll(error);
    this.listener.onDown(this, cause);
    this.scheduleProbe();
  }

  /** Closes the host's connections (a role change): idle ones now, borrowed ones on release. */
  evict(reason: unknown): void {
    this.pool.core.evictAll(reason);
  }

  status(): PgHostStatus {
    return { host: this.name, role: describeRole(this.role), up: this.up, inflight: this.inflight, failures: this.failures, lastError: this.lastError, pool: this.pool.stats() };
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    clearInterval(this.checkTimer);
    return this.pool.end();
  }

  private markUp(): void {
    this.up = true;
    this.failures = 0;
    this.probeFailures = 0;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.controller = downController();
    this.listener.onUp(this);
  }

  private scheduleProbe(): void {
    if (this.closed || this.up) return;
    const delay = backoffDelay(++this.probeFailures, this.settings.probeMinDelayMs, this.settings.probeMaxDelayMs);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe().then(() => this.scheduleProbe());
    }, delay);
    this.probeTimer.unref();
  }
}

/** Where a host config points, as pg reads it: the connection string's values first, then the fields, then PG* variables and pg's defaults. */
function addressOf(config: PgPoolConfig): { host: string; port: number; database: string | undefined } {
  let url: URL | undefined;
  try {
    url = typeof config.connectionString === 'string' ? new URL(config.connectionString) : undefined;
  } catch {
    url = undefined;
  }
  const host = (url?.hostname.replace(/^\[(.*)\]$/, '$1') || config.host || process.env.PGHOST || pg.defaults.host || 'localhost') as string;
  const port = Number(url?.port || config.port || process.env.PGPORT || pg.defaults.port || 5432);
  const database = (url !== undefined && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined) ?? config.database ?? process.env.PGDATABASE;
  return { host, port, database };
}

/**
 * A subclass of the client class whose `connect` also asks the server its role (libpq does the same
 * for `target_session_attrs`) and reports the outcome to the host: the role, or the failure.
 */
function roleCheckingClient(Base: ClientClass, host: PgHost): ClientClass {
  return class RoleCheckingClient extends (Base as typeof pg.Client) {
    override connect(callback?: any): any {
      const connected = (super.connect as unknown as () => Promise<unknown>).call(this).then(
        () => queryRole(this as unknown as pg.Client),
        (error: unknown) => {
          throw error;
        },
      );
      const checked = connected.then(
        (role) => host.noteRole(role),
        (error: unknown) => {
          host.noteFailure(error);
          throw error;
        },
      );
      if (typeof callback === 'function') {
        checked.then(() => callback(null, this), (error: Error) => callback(error));
        return undefined;
      }
      return checked.then(() => this);
    }
  } as unknown as ClientClass;
}
