import { PoolError, PoolTimeoutError, type Lease, type WaitPlace } from '@pool/core';
import { probeWasRefused, type WatchedCall } from '@pool/core/adapter-kit';
import type { Connection } from 'mysql2/promise';
import { admission, callerError } from './acquire.js';
import { applyCallSite, type CallSite } from './call-site.js';
import { acquireOptionsOf, type Callback, type CallOptions } from './call-options.js';
import type { PoolContext } from './context.js';
import { isFatalMysqlError, isReadOnlyMysqlError } from './errors.js';
import { provesNeverSent } from './never-sent.js';
import { releaseLocks } from './reset.js';
import { sessionOf, type Session } from './session.js';
import { settleAfterError } from './settle.js';

/** Sends the statement on a session; `reply` gets mysql2's callback arguments. May throw (bad bind values). */
export type Send = (session: Session, reply: Callback) => void;

/**
 * One `query`/`execute` through the pool: acquire, send, give the connection back, call `finish`
 * exactly once. On top of what mysql2's pool does:
 *
 * - a connection found broken when it is lent, or an error proving the statement never left the
 *   client, retries once on a fresh connection (never when the statement may have run);
 * - a per-call deadline (`queryTimeoutMs`) and an AbortSignal: on expiry the call fails with
 *   POOL_TIMEOUT phase 'query' (or POOL_ABORTED) and the connection is destroyed;
 * - without a deadline, the pool's watchdog checks the server when the call has no reply for a few
 *   seconds and fails it with POOL_SERVER_UNRESPONSIVE only if the server does not answer.
 */
export class StatementCall implements WaitPlace {
  /** Its place in the pool's line while it waits for a connection (a watched call leaves it when cut). */
  ticket: unknown = undefined;
  private lease: Lease<Connection> | undefined;
  private session: Session | undefined;
  private settled = false;
  private retried = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private watched: WatchedCall | undefined;
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly ctx: PoolContext,
    private readonly options: CallOptions | undefined,
    private readonly send: Send,
    private readonly finish: Callback,
    private readonly site: CallSite | undefined,
  ) {}

  start(): void {
    // without a deadline the watch starts with the call, so a caller queued for a connection to a
    // frozen server (its connect hangs too) is caught by the same check as one waiting for a reply
    if (this.watched === undefined && this.deadlineMs() === Infinity && this.ctx.watchdog !== undefined) {
      this.watched = this.ctx.watchdog.watch((error) => this.abandon(error));
    }
    // as acquire() does, with one promise less per call: refusals as they are, the core's errors mapped
    const refused = admission(this.ctx);
    const options = acquireOptionsOf(this.options);
    const core = this.ctx.core;
    (refused !== undefined ? Promise.reject(refused) : this.watched !== undefined ? core.acquireWithdrawable(this, options) : core.acquire(options)).then(
      (lease) => this.run(lease),
      (error: unknown) => {
        this.disarm(false);
        this.done(error === refused ? error : callerError(error, this.ctx.queueText));
      },
    );
  }

  /**
   * Runs on a connection already lent for this call (a PoolCluster's namespace borrowed it from the
   * node it picked, watched while it waited). A retry (the statement provably never left) borrows
   * from this call's pool.
   */
  runOn(lease: Lease<Connection>): void {
    this.run(lease);
  }

  private deadlineMs(): number {
    return this.options?.queryTimeoutMs ?? this.ctx.queryTimeoutMs;
  }

  private run(lease: Lease<Connection>): void {
    if (this.settled) {
      // the watchdog failed this call while it waited for a connection: the connection is not its to use
      lease.release();
      return;
    }
    const session = sessionOf(lease.resource);
    if (session === undefined || session.isBroken()) {
      const cause = session?.error;
      lease.destroy(cause);
      this.retryOrFail(new PoolError('POOL_CONNECTION_LOST', 'the pooled connection was already closed; the statement was not sent', { cause, pool: this.ctx.name }));
      return;
    }
    this.lease = lease;
    this.session = session;
    this.arm();
    try {
      this.send(session, (error, rows, fields) => this.reply(error, rows, fields));
    } catch (error) {
      // mysql2 throws synchronously for bad bind values: nothing was sent
      this.reply(error);
    }
  }

  private reply(error: unknown, rows?: unknown, fields?: unknown): void {
    const lease = this.lease;
    if (this.settled || lease === undefined) return;
    this.disarm(true);
    this.lease = undefined;
    if (error) {
      if (provesNeverSent(error)) {
        lease.destroy(error);
        this.retryOrFail(error);
        return;
      }
      if (this.ctx.retryOnReadOnly && isReadOnlyMysqlError(error)) {
        // refused by a read-only server, so it did not run: evict that host's connections, then once more on the writable one
        settleAfterError(this.ctx.core, lease, error);
        this.retryOrFail(error);
        return;
      }
      settleAfterError(this.ctx.core, lease, error);
    } else if (this.session !== undefined && holdsLocksOutsideTransaction(this.session)) {
      this.releaseLocksThenFinish(lease, this.session, rows, fields);
      return;
    } else {
      lease.release();
    }
    this.done(error, rows, fields);
  }

  /**
   * A one-shot call is a whole borrow: a named or table lock it took is gone before the caller hears
   * back, so another session can take it at once (not a moment later, when the release's reset runs).
   * If the release fails or gets no answer within a second, the connection is destroyed (the server
   * then drops its locks) and the caller still gets the statement's result.
   */
  private releaseLocksThenFinish(lease: Lease<Connection>, session: Session, rows: unknown, fields: unknown): void {
    const timer = setTimeout(() => {
      lease.destroy(new PoolError('POOL_TIMEOUT', 'releasing the locks of a one-shot call got no answer within 1 s; the connection was closed', { pool: this.ctx.name }));
      this.done(undefined, rows, fields);
    }, lockReleaseTimeoutMs);
    releaseLocks(session).then(
      () => {
        clearTimeout(timer);
        if (!lease.released) lease.release();
        this.done(undefined, rows, fields);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!lease.released) lease.destroy(error);
        this.done(undefined, rows, fields);
      },
    );
  }

  private retryOrFail(error: unknown): void {
    if (this.retried || this.options?.signal?.aborted) {
      this.done(error);
      return;
    }
    this.retried = true;
    this.start();
  }

  /** The deadline or the watchdog fired: fail the caller now and close the connection (its late reply is dropped). */
  private abandon(error: PoolError): void {
    if (this.settled) return;
    const lease = this.lease;
    if (lease === undefined && this.watched !== undefined && probeWasRefused(error)) {
      // still waiting for a connection, and the server refused the check (down, restarting): not
      // frozen, so the call waits on within its deadline, watched afresh (as pg's calls do)
      this.watched = this.ctx.watchdog?.watch((next) => this.abandon(next));
      return;
    }
    this.disarm(false);
    this.lease = undefined;
    if (lease !== undefined) {
      this.session?.markBroken(error);
      lease.destroy(error);
    } else {
      this.ctx.core.withdraw(this, error); // cut while it waited for a connection
    }
    this.done(error);
  }

  private arm(): void {
    const ms = this.deadlineMs();
    if (ms !== Infinity) {
      this.timer = setTimeout(() => {
        this.abandon(new PoolTimeoutError('query', ms, `query timed out after ${ms} ms (queryTimeoutMs); the connection was closed`, { pool: this.ctx.name }));
      }, ms);
    } else if (this.watched === undefined && this.ctx.watchdog !== undefined) {
      this.watched = this.ctx.watchdog.watch((error) => this.abandon(error));
    }
    const signal = this.options?.signal;
    if (signal !== undefined) {
      this.onAbort = () => this.abandon(new PoolError('POOL_ABORTED', 'the call was aborted while its statement ran; the connection was closed', { cause: signal.reason, pool: this.ctx.name }));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  private disarm(answered: boolean): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.watched?.done(answered);
    this.watched = undefined;
    if (this.onAbort !== undefined) this.options?.signal?.removeEventListener('abort', this.onAbort);
    this.onAbort = undefined;
  }

  private done(error: unknown, rows?: unknown, fields?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error) {
      giveCode(error);
      applyCallSite(error, this.site);
    }
    try {
      this.finish(error, rows, fields);
    } catch (thrown) {
      // the caller's callback threw: an uncaught exception, as with mysql2, never an unhandled
      // rejection nor an exception inside the driver's packet handler
      process.nextTick(() => {
        throw thrown;
      });
    }
  }
}

const lockReleaseTimeoutMs = 1000;

function holdsLocksOutsideTransaction(session: Session): boolean {
  return (session.namedLocks || session.tableLocks) && !session.inTransaction && !session.uncertain && session.defaultAutocommit && session.autocommit;
}

/** mysql2 raises some dead-connection errors without a `code`: they get POOL_CONNECTION_LOST, so every error has one. */
function giveCode(error: unknown): void {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code === 'string' || !isFatalMysqlError(error)) return;
  try {
    Object.defineProperty(error, 'code', { value: 'POOL_CONNECTION_LOST', enumerable: true, configurable: true, writable: true });
  } catch {
    // a frozen error keeps what it has
  }
}
