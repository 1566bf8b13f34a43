import type { ListenerBaseline } from '@pool/core/adapter-kit';
import type pg from 'pg';
import type { SetupStatement } from './session-setup.js';

/** The transaction status of the last ReadyForQuery: `I` idle, `T` in a transaction, `E` in a failed transaction. */
export type TransactionStatus = 'I' | 'T' | 'E' | null;

/** What the adapter keeps on each client it created. */
export interface ClientState {
  /** The client emitted 'error' or 'end', or was ended: never hand it out again. */
  broken: boolean;
  /** Lent to a caller (so an 'error' then is the caller's, not an idle client's). */
  borrowed: boolean;
  /** The last ReadyForQuery status, tracked by the adapter when pg has no `getTransactionStatus()`. */
  trackedStatus: TransactionStatus;
  /** True when pg offers `getTransactionStatus()` (pg >= 8.16), false when the adapter tracks it. */
  nativeStatus: boolean;
  /** The SET statements its setup sent (session-setup.ts): sent again after a resetQuery. */
  setup: SetupStatement[];
  /** Its own listeners once set up: a borrower's are removed when it comes back. */
  listeners: ListenerBaseline | undefined;
  /** The first 'error' it emitted (the server's reason, e.g. 25P03 or 57P01): the cause of its later "not queryable" errors. */
  firstError: Error | undefined;
}

const stateKey = Symbol.for('@pool/pg.client-state');

/** The pg internals the adapter reads, all optional (they moved between 8.x releases). */
interface ClientInternals {
  [stateKey]?: ClientState;
  readyForQuery?: boolean;
  _ending?: boolean;
  _ended?: boolean;
  _queryable?: boolean;
  _activeQuery?: unknown;
  _queryQueue?: unknown[];
  /** pg < 8.12 */
  queryQueue?: unknown[];
  /** pg < 8.12 */
  activeQuery?: unknown;
  _sentQueryQueue?: unknown[];
  connection?: {
    stream?: { destroy(error?: Error): void; destroyed?: boolean };
    parsedStatements?: Record<string, unknown>;
    submittedNamedStatements?: Record<string, unknown>;
    on(event: 'readyForQuery', listener: (message: { status?: string }) => void): unknown;
    once(event: 'readyForQuery', listener: (message: { status?: string }) => void): unknown;
    removeListener(event: string, listener: (...args: never[]) => void): unknown;
  };
  getTransactionStatus?: () => TransactionStatus;
}

function internals(client: pg.Client): ClientInternals {
  return client as unknown as ClientInternals;
}

/** Attaches the adapter's state to a new client. ReadyForQuery status: pg's `getTransactionStatus()` when present, else tracked from the connection's ReadyForQuery messages. */
export function attachState(client: pg.Client): ClientState {
  const inner = internals(client);
  const state: ClientState = { broken: false, borrowed: false, trackedStatus: null, nativeStatus: typeof inner.getTransactionStatus === 'function', setup: [], listeners: undefined, firstError: undefined };
  Object.defineProperty(client, stateKey, { value: state, enumerable: false });
  if (!state.nativeStatus && inner.connection !== undefined) {
    inner.connection.on('readyForQuery', (message) => {
      state.trackedStatus = (message?.status as TransactionStatus | undefined) ?? null;
    });
  }
  return state;
}

/** The adapter's state of a client it created, or undefined for a foreign one. */
export function stateOf(client: pg.Client): ClientState | undefined {
  return internals(client)[stateKey];
}

/** The ReadyForQuery transaction status: `I`, `T`, `E`, or null before the first one. */
export function transactionStatus(client: pg.Client, state: ClientState): TransactionStatus {
  if (state.nativeStatus) return (internals(client).getTransactionStatus as () => TransactionStatus).call(client);
  return state.trackedStatus;
}

/** True when the client can no longer be used: it errored, ended, or was asked to end. */
export function clientIsBroken(client: pg.Client, state: ClientState | undefined): boolean {
  if (state?.broken) return true;
  const inner = internals(client);
  return inner._ending === true || inner._ended === true || inner._queryable === false || inner.connection?.stream?.destroyed === true;
}

/** Where a released client's protocol exchange stands. */
export const enum WireState {
  /** ReadyForQuery received, nothing queued: reusable now. */
  Ready,
  /** A statement failed and its ReadyForQuery has not arrived yet (pg calls back on ErrorResponse). */
  AwaitingReady,
  /** A query is running or queued: the borrower released a client still in use. */
  Busy,
}

/** Reads whether the client is idle on the wire, still waiting for a ReadyForQuery, or busy. */
export function wireState(client: pg.Client): WireState {
  const inner = internals(client);
  // pg < 8.12 named these without the underscore; the new names are read first, so the deprecated
  // getters of later versions are never touched
  const queue = '_queryQueue' in inner ? inner._queryQueue : inner.queryQueue;
  const queued = (queue?.length ?? 0) + (inner._sentQueryQueue?.length ?? 0);
  if (queued > 0) return WireState.Busy;
  if (inner.readyForQuery === true) return WireState.Ready;
  const hasActive = '_activeQuery' in inner || 'activeQuery' in inner;
  // without the internals to tell a failed statement from a running one, treat it as busy (destroy)
  if (!hasActive) return WireState.Busy;
  const active = '_activeQuery' in inner ? inner._activeQuery : inner.activeQuery;
  return active == null ? WireState.AwaitingReady : WireState.Busy;
}

/**
 * True when the statement in progress is a cursor (pg-cursor: `read`, `close` and a `state`) that
 * waits for its reader: submitted and never read, or between two reads (`idle`, a portal suspended).
 * Released like this, the client would wait for ever (no reply is coming: the borrower who would
 * read has given it back), so it is destroyed at once rather than waited for.
 */
export function waitsForCursorReader(client: pg.Client): boolean {
  const inner = internals(client);
  const queue = '_queryQueue' in inner ? inner._queryQueue : inner.queryQueue;
  if ((queue?.length ?? 0) > 0) return false;
  const active = ('_activeQuery' in inner ? inner._activeQuery : inner.activeQuery) as { read?: unknown; close?: unknown; state?: unknown } | null | undefined;
  if (active === null || typeof active !== 'object') return false;
  return typeof active.read === 'function' && typeof active.close === 'function' && (active.state === 'idle' || active.state === 'submitted');
}

/**
 * True when pg's internals tell a running statement from an idle client (`_activeQuery`, or
 * `activeQuery` before 8.12), so a busy client can be waited for; without them it is destroyed.
 */
export function canWaitForQueries(client: pg.Client): boolean {
  const inner = internals(client);
  return inner.connection !== undefined && ('_activeQuery' in inner || 'activeQuery' in inner);
}

/**
 * Calls `fn` once, synchronously, at the client's next ReadyForQuery (after pg's own handler has
 * marked the client ready), or when its connection ends or fails first.
 */
export function atNextReadyForQuery(client: pg.Client, fn: () => void): void {
  const connection = internals(client).connection;
  if (connection === undefined) {
    fn();
    return;
  }
  const done = () => {
    connection.removeListener('readyForQuery', done);
    client.removeListener('end', done);
    client.removeListener('error', done);
    fn();
  };
  connection.once('readyForQuery', done);
  client.once('end', done);
  client.once('error', done);
}

/** Resolves at the client's next ReadyForQuery (or when its connection ends). */
export function nextReadyForQuery(client: pg.Client): Promise<void> {
  return new Promise((resolve) => atNextReadyForQuery(client, resolve));
}

/** Forgets node-postgres's client-side cache of named prepared statements (after DISCARD ALL on the server). */
export function clearStatementCache(client: pg.Client): void {
  const connection = internals(client).connection;
  if (connection?.parsedStatements !== undefined) connection.parsedStatements = {};
  if (connection?.submittedNamedStatements !== undefined) connection.submittedNamedStatements = {};
}

/** Destroys the client's socket at once (no Terminate message). */
export function destroySocket(client: pg.Client): void {
  internals(client).connection?.stream?.destroy();
}
