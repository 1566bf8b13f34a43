import { isPoolError, PoolError, PoolTimeoutError, type AcquireOptions, type Lease, type Pool, type WaitPlace } from '@pool/core';
import { probeWasRefused, traceCall } from '@pool/core/adapter-kit';
import type pg from 'pg';
import { callerError } from './create-errors.js';
import { withStableCode } from './error-codes.js';
import type { PgProvider } from './provider.js';
import { cancelStatement } from './cancel-statement.js';
import { atNextReadyForQuery, wireState, WireState } from './client-state.js';

/** Per-call options a query config object may carry besides pg's own fields. */
export interface CallOptions {
  /** A deadline for this call (acquire and statement); overrides the pool's `queryTimeoutMs`. 0 = none. */
  queryTimeoutMs?: number;
  /** Aborts the call: it rejects with POOL_ABORTED and its connection is destroyed. */
  signal?: AbortSignal;
}

/** What a one-shot call needs of the pool it runs on. */
export interface CallHost {
  readonly core: Pool<pg.Client>;
  readonly provider: PgProvider;
  readonly queryTimeoutMs: number;
  readonly server: { host?: string; port?: number; database?: string };
  /** Marks a client lent (pg.Pool's 'acquire' event, ref). */
  lend(client: pg.Client): void;
  /** Gives a client back after a call: released, or destroyed on a connection-level error. */
  giveBack(lease: Lease<pg.Client>, client: pg.Client, error: unknown, destroy?: boolean): void;
  /** The error for a caller whose wait for a connection `end()` cut short (see connect-health.ts). */
  closedCause?: (error: unknown) => unknown;
  /** Watches a call that has had no reply for a while (the liveness check). Returns a stop function. */
  watch?: (fail: (error: Error) => void) => (answered: boolean) => void;
}

/** How long a failed `pool.query` waits for the ReadyForQuery behind its error before it settles anyway. */
const readyForQueryWaitMs = 1000;

/** Errors pg raises without sending anything: the statement was never on the wire. */
const notSentMessages = ['Client has encountered a connection error and is not queryable', 'Client was closed and is not queryable'];

/** pg's `query_timeout` error: the client stopped waiting, the statement may still run on the server. */
function isReadTimeout(error: unknown): boolean {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message.startsWith('Query read timeout');
}

function provesNotSent(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && notSentMessages.some((m) => message.startsWith(m));
}

/** The error a caller of the ready-made client sees for a failed acquire (pg.Pool's texts, the driver's errors). */
export function acquireError(error: unknown): unknown {
  if (isPoolError(error, 'POOL_TIMEOUT') && (error as PoolTimeoutError).phase === 'acquire') {
    const timeout = error as PoolTimeoutError;
    return new PoolTimeoutError('acquire', timeout.elapsedMs, `timeout exceeded when trying to connect (${timeout.detail})`, {
      cause: (timeout as { cause?: unknown }).cause,
      pool: timeout.pool,
    });
  }
  return withStableCode(callerError(error));
}

function queryText(config: unknown): string | undefined {
  if (typeof config === 'string') return config;
  const text = (config as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : undefined;
}

/**
 * Runs one statement on a pooled client, pg.Pool's `pool.query`: the client goes back as soon as pg
 * calls back. A statement that provably never reached the server (the client broke before it was
 * sent) is retried once on another connection; one that may have run never is. With a deadline
 * (`queryTimeoutMs`, or a signal) the call rejects at expiry and its connection is destroyed.
 */
export function runQuery(host: CallHost, config: unknown, values: unknown[] | undefined): Promise<pg.QueryResult> {
  const statement = queryText(config);
  const options = typeof config === 'object' && config !== null ? (config as CallOptions) : undefined;
  const timeoutMs = options?.queryTimeoutMs ?? host.queryTimeoutMs;
  const signal = options?.signal;
  const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
  const work = () => new Promise<pg.QueryResult>((resolve, reject) => {
    let settled = false;
    let stopDeadline: (() => void) | undefined;
    let stopWatch: ((answered: boolean) => void) | undefined;
    let current: { lease: Lease<pg.Client>; client: pg.Client } | undefined;
    // a watched call cut while it waits for a connection leaves the line at once (else it would count
    // as waiting, and be served ahead of later callers, until a connection came back)
    const place: WaitPlace | undefined = timeoutMs <= 0 && signal === undefined && host.watch !== undefined ? { ticket: undefined } : undefined;
    const finish = (error: unknown, result?: pg.QueryResult, answered = false) => {
      if (settled) return;
      settled = true;
      stopDeadline?.();
      stopWatch?.(answered);
      if (error !== undefined) reject(error);
      else resolve(result as pg.QueryResult);
    };
    const cut = (error: Error) => {
      if (settled) return;
      if (current === undefined && probeWasRefused(error) && stopWatch !== undefined) {
        // still waiting for a connection, and the server refused the check (down, restarting): not
        // frozen, so the call waits on within its deadline, watched afresh
        stopWatch = host.watch?.(cut);
        return;
      }
      if (current !== undefined && !current.lease.released) {
        // a deadline or signal (not a silent server): the statement is cancelled on the server too,
        // else it would run on there, holding its locks, after its connection was closed
        if (!isPoolError(error, 'POOL_SERVER_UNRESPONSIVE') && !host.provider.isBroken(current.client)) cancelStatement(current.client);
        host.giveBack(current.lease, current.client, error, true);
      } else if (place !== undefined) host.core.withdraw(place, error);
      finish(error);
    };
    if (timeoutMs > 0 || signal !== undefined) stopDeadline = startDeadline(host, timeoutMs, signal, cut);
    if (settled) return;
    // a call without a deadline of its own is watched from the start, the wait for a connection
    // included (a connect to a frozen server hangs too): the liveness check bounds it
    else if (timeoutMs <= 0) stopWatch = host.watch?.(cut);
    const acquireOptions: AcquireOptions | undefined = signal !== undefined || timeoutMs > 0
      ? { signal, timeoutMs: timeoutMs > 0 ? timeoutMs : undefined } : undefined;
    const attempt = (retried: boolean) => {
      (place !== undefined ? host.core.acquireWithdrawable(place) : host.core.acquire(acquireOptions)).then((lease) => {
        if (settled) {
          lease.release();
          return;
        }
        const client = lease.resource;
        host.lend(client);
        current = { lease, client };
        if (host.provider.isBroken(client)) {
          // broke between lend and now: nothing was sent
          host.giveBack(lease, client, undefined, true);
          if (!retried) attempt(true);
          else finish(withStableCode(new Error('Client has encountered a connection error and is not queryable')));
          return;
        }
        try {
          client.query(config as string, values as unknown[], (error: Error | undefined, result: pg.QueryResult) => {
            if (settled) return;
            // pg's query_timeout gave up on the reply, not the server on the statement: cancel it there
            if (isReadTimeout(error)) cancelStatement(client);
            let given = false;
            const done = () => {
              if (given || settled) return;
              given = true;
              host.giveBack(lease, client, error);
              current = undefined;
              // a submitted pg.Query object keeps the callback of its first submit: it is never sent twice
              if (error && !retried && provesNotSent(error) && !submittable) attempt(true);
              // a reply of the server's (rows, or a statement error with a SQLSTATE) proves it alive
              else finish(error ? withStableCode(error) : undefined, result, !error || typeof (error as { severity?: unknown }).severity === 'string');
            };
            // pg calls back on a statement's ErrorResponse, before the ReadyForQuery behind it (the server
            // flushes the error at once, so it often comes in a packet of its own): given back now, the
            // client would go idle only at that ReadyForQuery, and a call the caller makes at once would
            // find none and open another connection. Given back at the ReadyForQuery, it is idle when the
            // caller hears the error. A fatal error (the server closing the session) destroys the client
            // at once; a ReadyForQuery that does not come within a second is waited for by the reset.
            if (error && !host.provider.isFatal(error) && !host.provider.isBroken(client) && wireState(client) === WireState.AwaitingReady) {
              const timer = setTimeout(done, readyForQueryWaitMs);
              timer.unref?.();
              atNextReadyForQuery(client, () => {
                clearTimeout(timer);
                done();
              });
            } else done();
          });
        } catch (error) {
          host.giveBack(lease, client, error);
          finish(withStableCode(error));
        }
      }, (error: unknown) => finish(acquireError(host.closedCause !== undefined ? host.closedCause(error) : error)));
    };
    attempt(false);
  });
  return traceCall({ pool: host.core.name, adapter: 'pg', operation: 'query', statement, server: host.server }, work);
}

/** Starts a call's deadline and signal watch; returns a function that stops both. */
export function startDeadline(host: CallHost, timeoutMs: number, signal: AbortSignal | undefined, cut: (error: Error) => void): () => void {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (timeoutMs > 0) {
    timer = setTimeout(() => {
      const elapsed = Math.round(performance.now() - started);
      cut(new PoolTimeoutError('query', elapsed, `query timed out after ${timeoutMs} ms; its connection was destroyed`, { pool: host.core.name }));
    }, timeoutMs);
  }
  const onAbort = () => cut(new PoolError('POOL_ABORTED', 'query aborted; its connection was destroyed', { cause: signal?.reason, pool: host.core.name }));
  if (signal !== undefined) {
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}

/**
 * Runs one statement on a client the caller already holds (a cluster's routed client) under the
 * pool's call rules: `deadline` (a performance.now() time), else the config's `queryTimeoutMs` or the
 * pool's, the config's signal, else the liveness watch. When one of them cuts the call, it rejects at once and `cut` is true: the caller must
 * destroy the client (release it with the error), whose late reply is dropped.
 */
export function runOnHeldClient(host: CallHost, client: pg.PoolClient, config: unknown, values: unknown[] | undefined, deadline?: number): Promise<pg.QueryResult> & { cut?: boolean } {
  const options = typeof config === 'object' && config !== null ? (config as CallOptions) : undefined;
  const timeoutMs = deadline !== undefined ? Math.max(1, deadline - performance.now()) : options?.queryTimeoutMs ?? host.queryTimeoutMs;
  let stop: (() => void) | undefined;
  let stopWatch: ((answered: boolean) => void) | undefined;
  let cut: (error: Error) => void = () => {};
  const result = new Promise<pg.QueryResult>((resolve, reject) => {
    let settled = false;
    cut = (error) => {
      if (settled) return;
      settled = true;
      result.cut = true;
      stop?.();
      stopWatch?.(false);
      reject(error);
    };
    client.query(config as string, values as unknown[]).then(
      (rows) => {
        if (settled) return;
        settled = true;
        stop?.();
        stopWatch?.(true);
        resolve(rows);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        stop?.();
        // a statement error with a SQLSTATE is a reply: the server is alive
        stopWatch?.(typeof (error as { severity?: unknown } | null)?.severity === 'string');
        reject(withStableCode(error));
      },
    );
  }) as Promise<pg.QueryResult> & { cut?: boolean };
  if (timeoutMs > 0 || options?.signal !== undefined) {
    stop = startDeadline(host, timeoutMs, options?.signal, (error) => {
      // the statement is cancelled on the server too (the caller destroys the connection)
      if (!result.cut && !host.provider.isBroken(client)) cancelStatement(client);
      cut(error);
    });
  }
  else stopWatch = host.watch?.((error) => cut(error));
  return result;
}
