import type { CreateContext, CreateErrorKind, ResourceProvider } from '@pool/core';
import pg from 'pg';
import { attachState, canWaitForQueries, waitsForCursorReader, clearStatementCache, clientIsBroken, destroySocket, nextReadyForQuery, stateOf, transactionStatus, wireState, WireState, type ClientState } from './client-state.js';
import { resolvePgConfig, type PgProviderConfig, type ResolvedPgConfig } from './config.js';
import { listenersChanged, restoreListeners, scrubError, takeListenerBaseline } from '@pool/core/adapter-kit';
import { classifyPgCreateError, markHookError } from './create-errors.js';
import { isFatalPgError } from './is-fatal.js';
import { withPoolerMode } from './pooler-mode.js';
import { recordSetup, type SetupStatement } from './session-setup.js';
import { asPoolConnectTimeout } from './connect-timeout.js';

/** Hooks a {@link PgPool} adds to the provider; not needed when you use the provider with `createPool`. */
export interface PgProviderHooks {
  /** An idle (not borrowed) client emitted 'error': it is already marked broken. */
  onIdleError?: (error: Error, client: pg.Client) => void;
  /** `verify` failed on a new client, still open (it is destroyed next): pg.Pool lends and releases it first. */
  onVerifyFailed?: (error: unknown, client: pg.Client) => void;
}

/** The provider, with the resolved settings for callers that need them. */
export interface PgProvider extends ResourceProvider<pg.Client> {
  /** The resolved settings (the password is not enumerable). */
  readonly config: ResolvedPgConfig;
  /** Removes the configured secrets from an error, in place (used by the pool for its own errors). */
  scrub<E>(error: E): E;
  isBroken(client: pg.Client): boolean;
  isFatal(error: unknown): boolean;
  classifyCreateError(error: unknown): CreateErrorKind;
  /** Called when a client is lent: keeps its socket ref'd while in use (`allowExitOnIdle`). */
  lent(client: pg.Client): void;
  /**
   * Takes the listeners a new client has now as its own, kept on every release: those the pool's
   * 'connect' listeners added while setting it up (`client.on('notice', ...)`), as pg.Pool keeps them.
   */
  keepListeners(client: pg.Client): void;
}

/** pg.Client's ref/unref of its socket (pg >= 8.9; absent from @types/pg). */
type RefClient = pg.Client & { ref?(): void; unref?(): void };

/** The client events a borrower may listen to; listeners added to them while lent are removed on release. */
const borrowerEvents = ['notice', 'notification', 'error', 'end', 'drain'] as const;

/** `client.connect()` of pg.Client or of a custom Client whose `connect` takes a callback or returns a promise. */
function connectClient(client: pg.Client): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    const returned = (client.connect as (cb: (error?: Error) => void) => unknown)(done);
    if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<unknown>).then === 'function') {
      (returned as Promise<unknown>).then(() => done(), (error: unknown) => done(error ?? new Error('connect failed')));
    }
  });
}

/** Runs the user's onConnect and pg.Pool's `verify(client, done)`; their errors are marked as the user's. */
async function runHooks(client: pg.Client, resolved: ResolvedPgConfig, hooks: PgProviderHooks): Promise<void> {
  try {
    if (resolved.onConnect !== undefined) await resolved.onConnect(client);
  } catch (error) {
    throw markHookError(error);
  }
  const verify = resolved.verify;
  if (verify === undefined) return;
  try {
    await new Promise<void>((resolve, reject) => verify(client, (error) => (error ? reject(error) : resolve())));
  } catch (error) {
    hooks.onVerifyFailed?.(error, client);
    throw markHookError(error);
  }
}

/** Runs one statement with pg's callback API (no promise, no stack capture on the hot path). */
function run(client: pg.Client, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, result: pg.QueryResult) => (error ? reject(error) : resolve(result));
    if (values === undefined) client.query(text, done);
    else client.query(text, values, done);
  });
}

/**
 * Sends again the SET statements of the client's setup (onConnect, verify, 'connect' listeners), which
 * a resetQuery such as DISCARD ALL cleared: those without parameters as one simple query (one round trip).
 */
async function replaySetup(client: pg.Client, setup: readonly SetupStatement[]): Promise<void> {
  if (setup.length === 0) return;
  const plain = setup.filter((statement) => statement.values === undefined).map((statement) => statement.text.trim().replace(/;+$/, ''));
  if (plain.length > 0) await run(client, plain.join('; '));
  for (const { text, values } of setup) if (values !== undefined) await run(client, text, values);
}

/**
 * A {@link ResourceProvider} of connected `pg.Client`s.
 *
 * - create: `new pg.Client(config)` + `connect()`, aborted (socket destroyed) when the pool's create
 *   deadline passes; connect errors have the password scrubbed from every message and stack.
 * - validate: one round trip of `pingQuery` (an empty query by default).
 * - reset on release: a client still running a query is waited for (destroyed after resetTimeoutMs); one inside a transaction
 *   (ReadyForQuery status `T`/`E`) is rolled back (or destroyed with `onDirtyRelease: 'destroy'`);
 *   then `resetQuery` runs if set. An idle client with no `resetQuery` is returned synchronously.
 * - isBroken: the client emitted 'error' or 'end', or was ended.
 * - isFatal: socket errors, SQLSTATE 57P01/57P02/57P03 and class 08, "Connection terminated".
 *
 * Every client gets an 'error' listener at creation, so a server restart or `pg_terminate_backend`
 * on an idle client never becomes an unhandled 'error' that crashes the process.
 */
export function pgProvider(config?: PgProviderConfig | string, hooks: PgProviderHooks = {}): PgProvider {
  const resolved = resolvePgConfig(typeof config === 'object' && config !== null ? withPoolerMode(config) : config);
  const ClientClass = resolved.Client ?? pg.Client;
  const { secrets, resetQuery, resetClearsStatements, onDirtyRelease, pingQuery, endTimeoutMs, allowExitOnIdle } = resolved;
  const scrub = <E>(error: E): E => scrubError(error, secrets);

  function watch(client: pg.Client, state: ClientState): void {
    client.on('error', (error: Error) => {
      const first = !state.broken;
      state.broken = true;
      scrub(error);
      state.firstError ??= error;
      // once per client, as pg.Pool does: a kill gives an ErrorResponse and then "Connection terminated"
      if (first && !state.borrowed) hooks.onIdleError?.(error, client);
    });
    client.on('end', () => {
      state.broken = true;
    });
  }

  async function create(ctx: CreateContext): Promise<pg.Client> {
    const { signal } = ctx;
    if (signal.aborted) throw signal.reason;
    const client = new ClientClass(resolved.client);
    const state = attachState(client);
    watch(client, state);
    const onAbort = () => destroySocket(client);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await connectClient(client).catch((error: unknown) => Promise.reject(asPoolConnectTimeout(error)));
      await recordSetup(client, () => runHooks(client, resolved, hooks));
    } catch (error) {
      state.broken = true;
      destroySocket(client);
      if (signal.aborted) throw signal.reason;
      throw scrub(error);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) {
      destroySocket(client);
      throw signal.reason;
    }
    state.listeners = takeListenerBaseline(client, borrowerEvents);
    if (allowExitOnIdle) (client as RefClient).unref?.();
    return client;
  }

  function keepListeners(client: pg.Client): void {
    const state = stateOf(client);
    if (state !== undefined) state.listeners = takeListenerBaseline(client, borrowerEvents);
  }

  function lent(client: pg.Client): void {
    if (allowExitOnIdle) (client as RefClient).ref?.();
  }

  /** Back to idle: drop the borrower's listeners, unref (allowExitOnIdle). */
  function idle(client: pg.Client): true {
    const baseline = stateOf(client)?.listeners;
    if (baseline !== undefined && listenersChanged(client, baseline)) restoreListeners(client, baseline);
    if (allowExitOnIdle) (client as RefClient).unref?.();
    return true;
  }

  function destroy(client: pg.Client): Promise<void> {
    const state = stateOf(client);
    if (state !== undefined) state.broken = true;
    // an idle client's socket is unref'd (allowExitOnIdle): ref it again, or the process could exit
    // before the close finishes, with whatever awaits it (`await pool.end()`) never settled
    if (allowExitOnIdle) (client as RefClient).ref?.();
    return new Promise<void>((resolve) => {
      // a graceful Terminate first; a socket that does not close in time (blackhole) is destroyed
      const timer = setTimeout(() => {
        destroySocket(client);
        resolve();
      }, endTimeoutMs);
      timer.unref?.();
      client.end().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        () => {
          clearTimeout(timer);
          destroySocket(client);
          resolve();
        },
      );
    });
  }

  function isBroken(client: pg.Client): boolean {
    return clientIsBroken(client, stateOf(client));
  }

  async function validate(client: pg.Client): Promise<boolean> {
    if (isBroken(client)) return false;
    try {
      await run(client, pingQuery);
    } catch (error) {
      throw scrub(error);
    }
    return true;
  }

  /** The slow part of reset: wait for ReadyForQuery, roll back, run resetQuery. */
  async function cleanUp(client: pg.Client, state: ClientState, wire: WireState): Promise<boolean> {
    // released with statements still running or queued (a missing await): they finish, as with
    // pg.Pool, and the client is lent again only after them (within resetTimeoutMs, else destroyed)
    while (wire === WireState.Busy) {
      await nextReadyForQuery(client);
      if (isBroken(client)) return false;
      wire = wireState(client);
    }
    if (wire === WireState.AwaitingReady) {
      await nextReadyForQuery(client);
      if (isBroken(client) || wireState(client) !== WireState.Ready) return false;
    }
    const status = transactionStatus(client, state);
    if (status !== 'I') {
      if (onDirtyRelease === 'destroy' || status === null) return false;
      await run(client, 'ROLLBACK');
      if (transactionStatus(client, state) !== 'I') return false;
    }
    if (resetQuery !== undefined) {
      await run(client, resetQuery);
      if (resetClearsStatements) clearStatementCache(client);
      await replaySetup(client, state.setup);
      if (transactionStatus(client, state) !== 'I') return false;
    }
    return !isBroken(client) && idle(client);
  }

  function reset(client: pg.Client): boolean | Promise<boolean> {
    const state = stateOf(client);
    if (state === undefined) return false;
    state.borrowed = false;
    if (clientIsBroken(client, state)) return false;
    const wire = wireState(client);
    // a cursor left open (never closed, not being read) never finishes: destroyed now, not after resetTimeoutMs
    if (wire === WireState.Busy && (!canWaitForQueries(client) || waitsForCursorReader(client))) return false;
    // the hot path: idle on the wire, not in a transaction, nothing to run: reusable now
    if (wire === WireState.Ready && resetQuery === undefined && transactionStatus(client, state) === 'I') return idle(client);
    return cleanUp(client, state, wire).catch((error: unknown) => {
      throw scrub(error);
    });
  }

  return {
    config: resolved,
    scrub,
    create,
    destroy,
    validate,
    reset,
    isBroken,
    isFatal: isFatalPgError,
    classifyCreateError: classifyPgCreateError,
    lent,
    keepListeners,
  };
}
