import { callTrace, traceCall, type CallTraceContext } from '@pool/core/adapter-kit';
import type { Lease } from '@pool/core';
import mysql from 'mysql2';
import type { Query } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { acquire } from './acquire.js';
import { captureCallSite, type CallSite } from './call-site.js';
import { acquireOptionsOf, readCallArguments, type Callback, type CallArguments } from './call-options.js';
import type { PoolContext } from './context.js';
import { StatementCall, type Send } from './statement-call.js';
import { streamQuery } from './stream-query.js';

/** What `pool.query(sql)` returns without a callback: a promise of `[rows, fields]` that can also stream (`.stream()`) or emit (`.on('result')`) like mysql2's `Query`. */
export type QueryPromise<T> = Promise<T> & {
  /** Streams the rows instead of collecting them (mysql2's `query(...).stream()`): the promise then resolves with `[[], []]` at the end. */
  stream(options?: object): NodeJS.ReadableStream;
  on(event: string, listener: (...args: unknown[]) => void): QueryPromise<T>;
  once(event: string, listener: (...args: unknown[]) => void): QueryPromise<T>;
};

export interface QueryCommand extends Query {
  sql: string;
  onResult: Callback | undefined;
  namedPlaceholders?: boolean;
}

const createQuery = (mysql.Connection as unknown as { createQuery(sql: unknown, values: unknown, cb: unknown, config: unknown): QueryCommand }).createQuery;

/** A connection lent for one call, with the context of the pool it came from. */
export interface Lent {
  readonly ctx: PoolContext;
  readonly lease: Lease<Connection>;
}

/**
 * Where one-shot calls get their connection: a pool's own ({@link poolRoute}), or a PoolCluster's
 * namespace, which picks a node per call (pool-cluster-namespace.ts).
 */
export interface CallRoute {
  /** mysql2's `trace` option: errors of one-shot calls carry the caller's stack. */
  readonly trace: boolean;
  /** The connection options `query` commands are built with. */
  readonly queryConfig: PoolContext['queryConfig'];
  /** One statement: acquire, send, give the connection back, call `finish` exactly once. */
  run(operation: 'query' | 'execute', statement: string | undefined, args: CallArguments, send: Send, finish: Callback, site: CallSite | undefined): void;
  /** A connection for a streamed query, under the same deadline and frozen-server watch as any borrow. Rejects with the caller's error. */
  lend(args: CallArguments): Promise<Lent>;
}

/** The route of a pool's own calls: its connections, traced under its name. */
export function poolRoute(ctx: PoolContext): CallRoute {
  return {
    trace: ctx.trace,
    queryConfig: ctx.queryConfig,
    run: (operation, statement, args, send, finish, site) => runTraced(ctx, operation, statement, args, send, finish, site),
    // watched while it waits, as every other borrow (a frozen server fails it by the watch's bound)
    lend: (args) => acquire(ctx, acquireOptionsOf(args.options), ctx.watchdog).then((lease) => ({ ctx, lease })),
  };
}

/**
 * The pool's `query`, in every form of mysql2's pools: with a callback (returns mysql2's `Query`
 * command, as the callback pool does), or without (returns a {@link QueryPromise}).
 */
export function poolQuery(route: CallRoute, sqlArgument: unknown, rest: readonly unknown[], above: Function): unknown {
  const args = readCallArguments(sqlArgument, rest);
  const site = route.trace ? captureCallSite(above) : undefined;
  const cmd = createQuery(args.sql, args.values, undefined, route.queryConfig);
  if (cmd.namedPlaceholders === undefined) cmd.namedPlaceholders = route.queryConfig.namedPlaceholders;
  const sql = cmd.sql;
  const send: Send = (session, reply) => {
    cmd.sql = sql;
    cmd.onResult = reply;
    session.core.query(cmd as never);
  };
  if (args.callback !== undefined) {
    route.run('query', sql, args, send, args.callback, site);
    return cmd;
  }
  const state = new QueryState(cmd);
  const promise = new Promise<unknown>((resolve, reject) => {
    state.settle = (error, rows, fields) => {
      if (!error) return resolve([rows, fields]);
      // fire and forget (`pool.query(sql)` as a statement, mysql2's callback pool): a failure no one
      // awaits is silent, as there, never an unhandled rejection; a later await still gets it
      if (!state.used) promiseThen.call(promise, undefined, ignore);
      reject(error);
    };
  }) as QueryPromise<unknown> & { [STATE]: QueryState };
  promise[STATE] = state;
  promise.then = trackedThen as never;
  promise.stream = streamRows;
  promise.on = onEvent;
  promise.once = onceEvent;
  // decided after the caller's synchronous code, where `.stream()` or `.on()` is called
  queueMicrotask(() => {
    if (!state.emitting) route.run('query', sql, args, send, state.settle, site);
    else streamQuery(route.lend(args), cmd, sql, site, (error) => {
      if (state.used) state.settle(error, [], []);
    });
  });
  return promise;
}

const STATE = Symbol('query state');
const ignore = (): void => undefined;

/**
 * What a {@link QueryPromise} shares with its methods (one object per call, the methods are shared).
 * A class, not an object literal: see ReadArguments in call-options.ts.
 */
class QueryState {
  /** Someone awaits the promise. */
  used = false;
  /** Rows flow as events or a stream instead of being collected. */
  emitting = false;
  settle: Callback = ignore;

  constructor(readonly cmd: QueryCommand) {}
}

const promiseThen = Promise.prototype.then;

function trackedThen(this: Promise<unknown> & { [STATE]: QueryState }, ...handlers: Parameters<typeof promiseThen>): Promise<unknown> {
  this[STATE].used = true;
  return promiseThen.apply(this, handlers) as Promise<unknown>;
}

function streamRows(this: { [STATE]: QueryState }, options?: object): NodeJS.ReadableStream {
  const state = this[STATE];
  state.emitting = true;
  return (state.cmd as unknown as { stream(options?: object): NodeJS.ReadableStream }).stream(options);
}

function onEvent<T>(this: T & { [STATE]: QueryState }, event: string, listener: (...args: unknown[]) => void): T {
  this[STATE].emitting = true;
  this[STATE].cmd.on(event, listener);
  return this;
}

function onceEvent<T>(this: T & { [STATE]: QueryState }, event: string, listener: (...args: unknown[]) => void): T {
  this[STATE].emitting = true;
  this[STATE].cmd.once(event, listener);
  return this;
}

/** The pool's `execute`: callback form (returns undefined, as mysql2's pool) or promise of `[rows, fields]`. */
export function poolExecute(route: CallRoute, sqlArgument: unknown, rest: readonly unknown[], above: Function): unknown {
  const args = readCallArguments(sqlArgument, rest);
  const site = route.trace ? captureCallSite(above) : undefined;
  const { sql, values } = args;
  const send: Send = (session, reply) => {
    if (values === undefined) (session.core.execute as (sql: unknown, cb: Callback) => unknown)(sql, reply);
    else (session.core.execute as (sql: unknown, values: unknown, cb: Callback) => unknown)(sql, values, reply);
  };
  const text = typeof sql === 'string' ? sql : (sql as { sql?: string } | undefined)?.sql;
  if (args.callback !== undefined) {
    route.run('execute', text, args, send, args.callback, site);
    return undefined;
  }
  return new Promise((resolve, reject) => {
    route.run('execute', text, args, send, (error, rows, fields) => (error ? reject(error) : resolve([rows, fields])), site);
  });
}

function runTraced(ctx: PoolContext, operation: string, statement: string | undefined, args: CallArguments, send: Send, finish: Callback, site: CallSite | undefined): void {
  if (!callTrace.hasSubscribers) {
    new StatementCall(ctx, args.options, send, finish, site).start();
    return;
  }
  traced({ pool: ctx.name, adapter: 'mysql', operation, server: ctx.server }, statement, (done) => new StatementCall(ctx, args.options, send, done, site).start(), finish);
}

/**
 * Runs `start` under @pool/core's `traceCall` (the `pool:call` channel) with `context`, then
 * delivers its outcome to `finish` outside the promise chain.
 */
export function traced(context: CallTraceContext, statement: string | undefined, start: (done: Callback) => void, finish: Callback): void {
  if (statement !== undefined) context.statement = statement;
  traceCall(context, () => new Promise<[unknown, unknown]>((resolve, reject) => {
    start((error, rows, fields) => (error ? reject(error) : resolve([rows, fields])));
  })).then(
    // delivered outside the promise chain: an exception in the caller's callback stays an uncaught exception, as with mysql2
    ([rows, fields]) => process.nextTick(finish, null, rows, fields),
    (error: unknown) => process.nextTick(finish, error),
  );
}
