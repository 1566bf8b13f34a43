import { PoolError, type PoolTimeoutError } from '@pool/core';
import { backoffDelay } from '@pool/core/adapter-kit';
import type { ResolvedClusterConfig } from './cluster-config.js';
import { roleMatches, type HostRole, type TargetSessionAttrs } from './host-role.js';
import { isWriteRoute, noHostError, pickHost } from './host-routing.js';
import { PgHost, type HostListener, type HostSettings } from './pg-host.js';
import { PgScaleError } from './scale-errors.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The events a cluster emits: 'primary', 'failover', 'down', 'up'. */
export type ClusterEmit = (event: 'primary' | 'failover' | 'down' | 'up', payload: unknown) => void;

/**
 * Which host is what, for a {@link PgCluster}: the hosts, the elected primary, and the waiting of
 * callers for a host that fits their route. Callers that find none wait for the next change (a role
 * seen, a host down or up) while every host is probed in rounds with backoff; the primary is lost on
 * 25006, a read-only role or its host going down, which aborts the acquires waiting on it.
 */
export class ClusterState implements HostListener {
  readonly hosts: readonly PgHost[];
  readonly name: string;
  /** The default deadline of a call: the host pools' acquireTimeoutMs. */
  readonly timeoutMs: number;
  /** The host pools' `queryTimeoutMs` (0: none): bounds a whole `query`, routing included. */
  readonly queryTimeoutMs: number;
  closed = false;
  private writer: PgHost | undefined;
  private writerController = new AbortController();
  private discovery: Promise<void> | undefined;
  private waiting = 0;
  private wakeUp: () => void = () => undefined;
  private changed: Promise<void>;
  private readonly settings: HostSettings;

  constructor(resolved: ResolvedClusterConfig, private readonly emit: ClusterEmit) {
    this.name = resolved.name;
    this.settings = resolved.settings;
    this.hosts = resolved.hosts.map((host) => new PgHost(host, resolved.settings, this));
    this.timeoutMs = (this.hosts[0] as PgHost).pool.core.options.acquireTimeoutMs;
    this.queryTimeoutMs = resolved.hosts[0]?.queryTimeoutMs ?? 0;
    this.changed = this.nextChange();
  }

  /** The current primary's `host:port`, or undefined while none is known. */
  get primaryHost(): string | undefined {
    return this.writer?.up ? this.writer.name : undefined;
  }

  /** Stops the probing and wakes every waiting caller (they then fail with POOL_CLOSED). */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /**
   * The signal that moves a waiting acquire elsewhere: for the primary, its losing that role (which
   * going down also does, see onDown); for any other host, its going down.
   */
  signalFor(route: TargetSessionAttrs, host: PgHost): AbortSignal {
    return isWriteRoute(route) && host === this.writer ? this.writerController.signal : host.downSignal;
  }

  /** Waits for a host that fits `route` (its `inflight` counts the caller from here: the caller decrements it), probing the hosts with backoff meanwhile; a typed POOL_TIMEOUT at the deadline. */
  async hostFor(route: TargetSessionAttrs, deadline: number, signal: AbortSignal | undefined): Promise<PgHost> {
    for (;;) {
      if (this.closed) throw new PoolError('POOL_CLOSED', 'the pg cluster is closed', { pool: this.name });
      if (signal?.aborted) throw new PoolError('POOL_ABORTED', 'the call was aborted while waiting for a host', { pool: this.name, cause: signal.reason });
      const host = pickHost(this.hosts, this.writer, route);
      if (host !== undefined) {
        // counted from the moment it is chosen, so callers arriving together spread over the hosts
        host.inflight++;
        return host;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw this.timeout(route, deadline, undefined);
      this.waiting++;
      this.discover();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await Promise.race([
          this.changed,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, remaining);
            onAbort = resolve;
            signal?.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
      } finally {
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        this.waiting--;
      }
    }
  }

  timeout(route: TargetSessionAttrs, deadline: number, cause: unknown): PoolTimeoutError {
    return noHostError(this.hosts, route, Math.round(this.timeoutMs - (deadline - performance.now())), this.name, cause);
  }

  /** Probes every host (fresh connections, the role query), in rounds with backoff, while callers wait for a host. */
  private discover(): void {
    if (this.discovery !== undefined || this.closed) return;
    this.discovery = (async () => {
      let failures = 0;
      while (this.waiting > 0 && !this.closed) {
        await Promise.all(this.hosts.map((host) => host.probe()));
        this.notify();
        const { probeMinDelayMs, probeMaxDelayMs } = this.settings;
        await sleep(backoffDelay(++failures, probeMinDelayMs, probeMaxDelayMs));
      }
    })().finally(() => {
      this.discovery = undefined;
    });
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  /** Wakes every caller waiting for a host, to pick again. */
  private notify(): void {
    const wake = this.wakeUp;
    this.changed = this.nextChange();
    wake();
  }

  /** The primary stopped being one (25006, in recovery, down): forget it, optionally close its connections, find the new one. */
  lostPrimary(host: PgHost, cause: unknown, evict: boolean): void {
    if (this.writer !== host) return;
    this.writer = undefined;
    this.writerController.abort(new PgScaleError('PG_HOST_ROLE_CHANGED', `${host.name} is no longer the primary`, { cause, host: host.name }));
    this.writerController = new AbortController();
    if (evict) host.evict(cause);
    this.emit('failover', { from: host.name, cause });
    this.notify();
  }

  onRole(host: PgHost, role: HostRole): void {
    if (host === this.writer) {
      if (!roleMatches(role, 'read-write')) this.lostPrimary(host, new PgScaleError('PG_HOST_ROLE_CHANGED', `${host.name} answered read-only (in recovery: ${role.standby})`, { host: host.name }), true);
    } else if (roleMatches(role, 'read-write') && (this.writer === undefined || !this.writer.up)) {
      this.writer = host;
      this.emit('primary', host.name);
    }
    this.notify();
  }

  onDown(host: PgHost, cause: unknown): void {
    if (host === this.writer) this.lostPrimary(host, cause, false);
    this.emit('down', { host: host.name, cause });
    this.notify();
  }

  onUp(host: PgHost): void {
    this.emit('up', host.name);
    this.notify();
  }
}
