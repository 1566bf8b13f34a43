import type { Connection as CoreConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { listenersChanged, restoreListeners, takeListenerBaseline, type ListenerBaseline } from '@pool/core/adapter-kit';
import { PoolError } from '@pool/core';
import { isFatalMysqlError } from './errors.js';

/** SERVER_STATUS_IN_TRANS: the OK packet says a transaction is open. */
const IN_TRANS = 0x0001;
/** SERVER_STATUS_AUTOCOMMIT: the OK packet says autocommit is on. */
const AUTOCOMMIT = 0x0002;

/** CLIENT_IGNORE_SPACE: the server adds IGNORE_SPACE to the session's sql_mode at connect. */
const CLIENT_IGNORE_SPACE = 0x0100;

/** The mysql2 internals read to tell a dead connection without a round trip (present since mysql2 2.x). */
interface CoreInternals {
  _fatalError?: unknown;
  _protocolError?: unknown;
  _closing?: boolean;
  stream?: { destroyed?: boolean; destroy?: () => void };
  _handshakePacket?: { statusFlags?: number } | null;
  _command?: unknown;
  _commands?: { length: number };
  _notifyError?: (error: unknown) => void;
  config: { database?: string; multipleStatements?: boolean; clientFlags?: number };
}

type Callback = (error: unknown, rows?: unknown, fields?: unknown) => void;

const sessions = new WeakMap<Connection, Session>();

/** The connection events a borrower may listen to (mysql2's promise connection forwards these); listeners added while lent are removed on release. */
const borrowerEvents = ['error', 'end', 'drain', 'enqueue', 'connect'] as const;

/** A session setting (SET ..., SET NAMES, SET SESSION ...): what a 'connection' listener sends to set a session up. */
const setsSession = /^\s*SET\s/i;

/** A statement replayed after a full session reset. */
interface SetupStatement {
  sql: string;
  values: unknown;
}

/** Statements that take a named lock, which outlives them. */
const takesNamedLock = /\bGET_LOCK\b/i;
/** Statements that take table locks (LOCK TABLES, FLUSH TABLES ... WITH READ LOCK, BACKUP LOCK). */
const takesTableLock = /\b(LOCK\s+TABLES?|FLUSH\s+TABLES?\b[\s\S]*\bREAD\s+LOCK|BACKUP\s+LOCK)\b/i;

function sqlOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { sql?: unknown }).sql === 'string') return (arg as { sql: string }).sql;
  return undefined;
}

/** The session tracking of a connection made by `mysqlProvider`, or undefined for a foreign one. */
export function sessionOf(connection: Connection): Session | undefined {
  return sessions.get(connection);
}

/**
 * What the adapter knows about one connection's session, kept without extra round trips:
 *
 * - `inTransaction` and `autocommit` come from the status flags of every OK packet mysql2 parses
 *   (`ResultSetHeader.serverStatus`: SERVER_STATUS_IN_TRANS, SERVER_STATUS_AUTOCOMMIT). mysql2 exposes
 *   them only for statements that answer with an OK packet (START TRANSACTION, COMMIT, SET, INSERT...),
 *   not for result sets nor COM_PING, which is enough: every statement that opens or closes a
 *   transaction answers with an OK packet. The flags are read for every `query`/`execute` sent
 *   through this connection, the promise API and the callback API (`connection.connection`) alike,
 *   by wrapping the core connection's `query` and `execute` once at create.
 * - `uncertain` is set when a statement ran without a callback (a streamed `query(sql).stream()`),
 *   whose OK packet the adapter cannot see: release then rolls back to be safe.
 * - `broken` is set by the connection's 'error' or 'end' event, a fatal error from a statement, or a
 *   ping that got no answer.
 */
export class Session {
  readonly core: CoreConnection;
  readonly connection: Connection;
  /** The database the connection was opened on (restored after a full session reset). */
  readonly database: string | undefined;
  /** The connection asked for CLIENT_IGNORE_SPACE, so a fresh session's sql_mode has IGNORE_SPACE. */
  readonly ignoreSpace: boolean;
  /** Autocommit as the session started (the server's default, from the handshake). */
  readonly defaultAutocommit: boolean;
  inTransaction = false;
  autocommit: boolean;
  uncertain = false;
  /** A statement that may have taken a named lock (GET_LOCK) ran: RELEASE_ALL_LOCKS() on return. */
  namedLocks = false;
  /** A statement that may have taken table locks (LOCK TABLES) ran: UNLOCK TABLES on return. */
  tableLocks = false;
  broken = false;
  /**
   * Statements sent with a callback whose reply has not come yet. A borrower who releases without
   * awaiting (`conn.query('START TRANSACTION'); conn.query('INSERT ...'); conn.release()`) leaves them
   * queued on the connection; their OK packets, which say whether a transaction is open, come later.
   */
  inFlight = 0;
  /**
   * A borrower ran COM_CHANGE_USER (another user, database or charset): no reset brings the session
   * back, so the connection counts as broken and is closed at release, never lent again.
   */
  userChanged = false;
  /**
   * The SET statements the pool's 'connection' listeners sent when the connection was new: a full
   * session reset (COM_RESET_CONNECTION) clears them, so they are sent again after it.
   */
  setup: readonly SetupStatement[] = [];
  private recording: SetupStatement[] | undefined;
  /** The connection's own listeners, taken once connected: a borrower's are removed on release. */
  private listeners: ListenerBaseline | undefined;
  /** The error that broke it, if one did. */
  error: unknown = undefined;
  private readonly multipleStatements: boolean;

  private constructor(core: CoreConnection) {
    this.core = core;
    const internals = core as unknown as CoreInternals;
    this.database = internals.config.database || undefined;
    this.multipleStatements = internals.config.multipleStatements === true;
    this.ignoreSpace = ((internals.config.clientFlags ?? 0) & CLIENT_IGNORE_SPACE) !== 0;
    this.defaultAutocommit = true;
    this.autocommit = true;
    core.on('error', (error: unknown) => this.markBroken(error));
    core.on('end', () => this.markBroken(undefined));
    this.wrap('query');
    this.wrap('execute');
    this.wrapPrepare();
    this.watchChangeUser();
    this.connection = core.promise();
    sessions.set(this.connection, this);
  }

  /**
   * Starts tracking a core connection that was just created: listens for 'error' and 'end' (so an
   * idle connection's error never crashes the process) and wraps `query`/`execute` to read status flags.
   */
  static attach(core: CoreConnection): Session {
    return new Session(core);
  }

  /** Reads the server's autocommit default from the handshake, once connected. */
  connected(): void {
    this.listeners = takeListenerBaseline(this.core as never, borrowerEvents);
    const flags = (this.core as unknown as CoreInternals)._handshakePacket?.statusFlags;
    if (typeof flags === 'number') {
      (this as { defaultAutocommit: boolean }).defaultAutocommit = (flags & AUTOCOMMIT) !== 0;
      this.autocommit = this.defaultAutocommit;
    }
  }

  /** True when the session may hold a transaction or a changed autocommit that the next borrower must not inherit. */
  get dirty(): boolean {
    return this.inTransaction || this.uncertain || this.inFlight > 0 || this.namedLocks || this.tableLocks || this.autocommit !== this.defaultAutocommit || !this.defaultAutocommit;
  }

  /** Cheap, no round trip: an 'error'/'end' was seen, mysql2 recorded a fatal error, or the socket is gone. */
  isBroken(): boolean {
    if (this.broken || this.userChanged) return true;
    const internals = this.core as unknown as CoreInternals;
    return internals._fatalError != null || internals._protocolError != null || internals._closing === true || internals.stream?.destroyed === true;
  }

  markBroken(error: unknown): void {
    if (!this.broken) {
      this.broken = true;
      this.error = error;
    }
  }

  /** Runs `announce` (the 'connection' event) and keeps the SET statements its listeners send synchronously, to replay after a full reset. */
  recordSetup(announce: () => void): void {
    const recording: SetupStatement[] = (this.recording = []);
    try {
      announce();
    } finally {
      this.recording = undefined;
      if (recording.length > 0) this.setup = [...this.setup, ...recording];
    }
  }

  /** Removes the listeners a borrower added to the connection, so none hears the next borrower's events. */
  dropBorrowerListeners(): void {
    if (this.listeners !== undefined && listenersChanged(this.core as never, this.listeners)) restoreListeners(this.core as never, this.listeners);
  }

  /** After a ROLLBACK or a session reset: nothing is open any more. */
  markClean(): void {
    this.inTransaction = false;
    this.uncertain = false;
    this.namedLocks = false;
    this.tableLocks = false;
    this.autocommit = this.defaultAutocommit;
  }

  /**
   * Closes the socket at once (no COM_QUIT). Statements still waiting for their reply fail with
   * POOL_CONNECTION_LOST: once closing, mysql2 no longer tells them the connection is gone, so their
   * callbacks and promises would never settle (a borrower's `conn.query(...)` when it called `destroy()`,
   * or a query queued before an `end()` whose COM_QUIT got no answer).
   */
  hardClose(): void {
    this.failPending();
    this.core.destroy();
    (this.core as unknown as CoreInternals).stream?.destroy?.();
  }

  private failPending(): void {
    const internals = this.core as unknown as CoreInternals;
    if (internals._command == null && !((internals._commands?.length ?? 0) > 0)) return;
    if (typeof internals._notifyError !== 'function' || internals._fatalError != null) return;
    const error = new PoolError('POOL_CONNECTION_LOST', 'the connection was closed while this statement was still running (destroyed, or its COM_QUIT got no answer within quitTimeoutMs)');
    (error as PoolError & { fatal: boolean }).fatal = true;
    try {
      internals._notifyError.call(this.core, error);
    } catch {
      // a callback that throws is the caller's; the socket is closed all the same
    }
  }

  /** Updates the flags from a statement's result (an OK packet, or the last of a multi-statement batch). */
  private note(rows: unknown): void {
    if (typeof rows !== 'object' || rows === null) return;
    let header = rows as { serverStatus?: unknown };
    if (Array.isArray(rows)) {
      if (!this.multipleStatements || rows.length === 0) return;
      header = rows[rows.length - 1] as { serverStatus?: unknown };
      if (typeof header !== 'object' || header === null || header.constructor?.name !== 'ResultSetHeader') return;
    }
    const status = header.serverStatus;
    if (typeof status !== 'number') return;
    this.inTransaction = (status & IN_TRANS) !== 0;
    this.autocommit = (status & AUTOCOMMIT) !== 0;
  }

  /** Notes a `changeUser` on the core connection (the promise API and the callback API both call it). */
  private watchChangeUser(): void {
    const core = this.core as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = core.changeUser;
    if (typeof original !== 'function') return;
    const session = this;
    core.changeUser = function changeUser(this: unknown, ...args: unknown[]): unknown {
      session.userChanged = true;
      return original.apply(this, args);
    };
  }

  /** Notes what a statement's SQL text may leave behind (a lock), and keeps a 'connection' listener's SET statements. */
  private noteSql(sql: string | undefined, values: unknown): void {
    if (sql === undefined) return;
    if (this.recording !== undefined && setsSession.test(sql)) this.recording.push({ sql, values });
    if (!this.namedLocks && takesNamedLock.test(sql)) this.namedLocks = true;
    if (!this.tableLocks && takesTableLock.test(sql)) this.tableLocks = true;
  }

  /** A statement's callback, wrapped so its result passes through `note` (and a fatal error marks the connection broken). */
  private onResult(callback: Callback): Callback {
    this.inFlight++;
    return (error, rows, fields) => {
      this.inFlight--;
      if (error) {
        if (isFatalMysqlError(error)) this.markBroken(error);
      } else {
        this.note(rows);
      }
      callback(error, rows, fields);
    };
  }

  /** Sends a statement whose callback {@link onResult} wrapped: if mysql2 throws instead (bad bind values), nothing is in flight. */
  private sent(send: () => unknown): unknown {
    try {
      return send();
    } catch (error) {
      this.inFlight--;
      throw error;
    }
  }

  /** Wraps the core connection's `query` or `execute` so every result passes through `note`. */
  private wrap(method: 'query' | 'execute'): void {
    const core = this.core as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = core[method] as (...args: unknown[]) => unknown;
    const session = this;
    // an own property on this one connection object; the driver's prototype is untouched
    core[method] = function tracked(this: unknown, ...args: unknown[]): unknown {
      session.noteSql(sqlOf(args[0]), args.length > 1 && typeof args[1] !== 'function' ? args[1] : undefined);
      const last = args.length - 1;
      if (last >= 1 && typeof args[last] === 'function') {
        args[last] = session.onResult(args[last] as Callback);
      } else if (typeof args[0] === 'object' && args[0] !== null && typeof (args[0] as { onResult?: unknown }).onResult === 'function') {
        const command = args[0] as { onResult: Callback };
        command.onResult = session.onResult(command.onResult);
      } else {
        session.uncertain = true;
        return original.apply(this, args);
      }
      return session.sent(() => original.apply(this, args));
    };
  }

  /**
   * Wraps the core connection's `prepare` so a statement prepared by a borrower (`conn.prepare(sql)`,
   * then `statement.execute(values)`) is tracked as `query`/`execute` are: mysql2 sends its executions
   * straight to the connection's command queue, past the wrapped `execute`, so a `GET_LOCK` or a
   * `START TRANSACTION` run that way was never seen and reached the next borrower.
   */
  private wrapPrepare(): void {
    const core = this.core as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = core.prepare;
    if (typeof original !== 'function') return;
    const session = this;
    core.prepare = function prepare(this: unknown, ...args: unknown[]): unknown {
      const last = args.length - 1;
      if (last >= 1 && typeof args[last] === 'function') {
        const callback = args[last] as (error: unknown, statement?: unknown) => void;
        args[last] = (error: unknown, statement?: unknown) => {
          if (!error) session.trackStatement(statement);
          callback(error, statement);
        };
      }
      return original.apply(this, args);
    };
  }

  /** Wraps one prepared statement's `execute` (once: mysql2 hands out a cached statement again for the same SQL). */
  private trackStatement(statement: unknown): void {
    if (typeof statement !== 'object' || statement === null || trackedStatements.has(statement)) return;
    const target = statement as { query?: unknown; execute?: (...args: unknown[]) => unknown };
    const original = target.execute;
    if (typeof original !== 'function') return;
    trackedStatements.add(statement);
    const session = this;
    target.execute = function execute(this: unknown, ...args: unknown[]): unknown {
      session.noteSql(typeof target.query === 'string' ? target.query : undefined, undefined);
      const last = args.length - 1;
      if (last < 0 || typeof args[last] !== 'function') {
        session.uncertain = true;
        return original.apply(this, args);
      }
      args[last] = session.onResult(args[last] as Callback);
      return session.sent(() => original.apply(this, args));
    };
  }
}

/** Prepared statements whose `execute` is already tracked. */
const trackedStatements = new WeakSet<object>();
