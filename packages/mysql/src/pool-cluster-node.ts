import { PoolTimeoutError, type AcquireOptions, type Lease, type PoolError, type PoolStats } from '@pool/core';
import { linkSignals } from '@pool/core/adapter-kit';
import type { Connection } from 'mysql2/promise';
import { acquire, callerError } from './acquire.js';
import { classifyMysqlCreateError } from './classify.js';
import type { PoolContext } from './context.js';
import type { MysqlPool } from './mysql-pool.js';
import { internalsOf } from './pool-internals.js';

/** One node's numbers: its pool's stats, plus the cluster's view of it. */
export interface ClusterNodeStats extends PoolStats {
  /** mysql2's error count: up by one per failed borrow (a connect reset or timed out: per failed connect, however many borrows waited on it), down by one per successful one. */
  errorCount: number;
  /** False while the node is offline: from reaching `removeNodeErrorCount` until its `restoreNodeTimeout` has passed (it is picked again then; 'online' comes with its first successful borrow). */
  online: boolean;
}

/** A borrow waiting on a node, which the cluster may move to another node when the node's connects fail. */
interface Waiting {
  failOver(error: unknown): void;
}

/**
 * A node of a PoolCluster: an @pool/mysql pool, mysql2's error count and offline deadline, and the
 * borrows waiting on it. A connect the node's pool fails (refused, reset, timed out, access denied)
 * is offered to every borrow waiting on the node, which gives up on it at once when another online
 * node of its pattern can take it, or with `canRetry: false` (mysql2 fails each such borrow with its
 * connect error, and its cluster moves it on or not); with no other node, the borrow waits on within
 * its deadline while the pool retries, as a single pool's callers do.
 */
export class ClusterNode {
  errorCount = 0;
  /** `performance.now()` until which the node is offline; 0 when it is not. */
  offlineUntil = 0;
  removed = false;
  readonly ctx: PoolContext;
  readonly gracefulEnd: boolean;
  private readonly waiting = new Set<Waiting>();
  /** Connects of the node's pool that failed (its 'error' events), and how many of them failed borrows have counted. */
  private connectFailures = 0;
  private countedFailures = 0;
  private readonly onPoolError = (error: PoolError): void => {
    if (!isConnectFailure(error)) return;
    this.connectFailures++;
    if (this.waiting.size === 0) return;
    for (const borrow of [...this.waiting]) borrow.failOver(callerError(error, this.ctx.queueText));
  };

  constructor(readonly id: string, readonly pool: MysqlPool) {
    const internals = internalsOf(pool)!;
    this.ctx = internals.ctx;
    this.gracefulEnd = internals.gracefulEnd;
    pool.pool.on('error', this.onPoolError);
  }

  /**
   * Borrows a connection from the node's pool (its queue rules, deadline and frozen-server watch).
   * `canFailOver` says whether the borrow gives up on the node at its first failed connect (another
   * online node could take it, or `canRetry: false` wants the error now): then that connect error
   * fails it at once.
   */
  acquire(options: AcquireOptions | undefined, canFailOver: () => boolean): Promise<Lease<Connection>> {
    const controller = new AbortController();
    let failure: unknown;
    const borrow: Waiting = {
      failOver: (error) => {
        if (failure !== undefined || !canFailOver()) return;
        failure = error;
        controller.abort(error);
      },
    };
    // not AbortSignal.any: over the caller's long-lived signal it kept ~100 bytes a call for good (Node 20)
    const linked = options?.signal === undefined ? undefined : linkSignals(options.signal, controller.signal);
    const signal = linked === undefined ? controller.signal : linked.signal;
    this.waiting.add(borrow);
    return acquire(this.ctx, { ...options, signal }, this.ctx.watchdog).then(
      (lease) => {
        linked?.release();
        this.waiting.delete(borrow);
        return lease;
      },
      (error: unknown) => {
        linked?.release();
        this.waiting.delete(borrow);
        throw failure ?? error;
      },
    );
  }

  /** Where the node's connect failures stand: a borrow notes it when it starts, for {@link claimFailure}. */
  get failureMark(): number {
    return this.connectFailures;
  }

  /**
   * Whether a borrow that started at `mark` and failed with `error` counts against the node. mysql2 counts
   * every failed getConnection, and each of its borrows has a connect of its own. Here one failed connect
   * can fail every borrow waiting on the node (they move to another node, or the pool rejects them before
   * it ever connected), so:
   *
   * - an error every connect to the node would get now (refused or unreachable: nothing listens there;
   *   a permanent one: access denied, unknown database) counts once per failed borrow, as in mysql2, so a
   *   node that is down goes offline after as many failed borrows as there;
   * - an error that may hit one connect only (a reset, a lost connection, a timed-out connect) counts once
   *   per connect that failed while the borrows waited, so one connection reset under a burst of borrows
   *   cannot take a healthy node out (in mysql2 only the borrow whose own connect was reset fails).
   *
   * A borrow that saw no connect fail while it waited (a frozen node, a queue limit, a pool ended under
   * it) counts as it is.
   */
  claimFailure(mark: number, error: unknown): boolean {
    if (this.connectFailures === mark || failsEveryConnect(error)) return true;
    const counted = Math.max(this.countedFailures, mark);
    if (counted >= this.connectFailures) return false;
    this.countedFailures = counted + 1;
    return true;
  }

  /** Takes the node out: its pool ends (borrowed connections finish first) and it no longer hears its pool. Resolves once it has ended. */
  remove(): Promise<void> {
    this.removed = true;
    this.pool.pool.off('error', this.onPoolError);
    return this.pool.end().catch(() => undefined);
  }

  stats(now: number): ClusterNodeStats {
    return { ...this.pool.stats(), errorCount: this.errorCount, online: !(this.offlineUntil > now) };
  }
}

/** Socket errors of a connect that found no server to talk to: every other connect to that address gets them too. */
const unreachableCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);

/** A connect error (as the borrow got it: mysql2's own) that every connect to the node would get now, not one connect's bad luck. */
function failsEveryConnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && unreachableCodes.has(code)) return true;
  return error instanceof Error && !(error instanceof PoolTimeoutError) && classifyMysqlCreateError(error) === 'permanent' && typeof code === 'string' && !code.startsWith('POOL_');
}

/** A connect that failed (its error, or its deadline), as the pool reports it. */
function isConnectFailure(error: PoolError): boolean {
  return error.code === 'POOL_CREATE_FAILED' || (error instanceof PoolTimeoutError && error.phase === 'create');
}
