import { PoolError, type Lease } from '@pool/core';
import type { PoolConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { sessionOf } from './session.js';

/** Methods that talk to the server: refused once the connection went back to the pool. */
const statements = new Set<PropertyKey>(['query', 'execute', 'prepare', 'unprepare', 'beginTransaction', 'commit', 'rollback', 'ping', 'changeUser', 'reset']);

interface Slot {
  lease: Lease<Connection> | undefined;
  facade: PoolConnection;
  gracefulEnd: boolean;
  promise: (() => unknown) | undefined;
}

const slots = new WeakMap<Connection, Slot>();

/**
 * The callback-API view of a pooled connection, as mysql2's pool hands out (`PoolConnection`): the
 * driver's own connection (`query(sql, values, cb)`, `query(sql).stream()`, `execute`, `escape`,
 * events...) with `release()`, `destroy()` and `end()` (which releases, as mysql2's pool does
 * unless `gracefulEnd`) going through the pool. One view per physical connection, so the object a
 * 'connection' event gave is the one later 'acquire'/'release' events and borrows give, as in
 * mysql2. A second `release()` is a no-op (mysql2's behaviour); a statement after `release()` fails
 * with POOL_LEASE_RELEASED (to its callback, else thrown) instead of running on a connection another
 * caller may hold.
 */
export function callbackConnection(connection: Connection, gracefulEnd = false): PoolConnection {
  let slot = slots.get(connection);
  if (slot !== undefined) return slot.facade;
  const core = sessionOf(connection)?.core ?? (connection as unknown as { connection: PoolConnection }).connection;
  const own: Slot = { lease: undefined, facade: undefined as unknown as PoolConnection, gracefulEnd, promise: undefined };
  const release = (): void => {
    const lease = own.lease;
    own.lease = undefined;
    if (lease === undefined || lease.released) return;
    // a streamed query still running (its reader stopped early): never lend the connection half-read
    const running = (core as unknown as { _command?: { onResult?: unknown; constructor: { name: string } } })._command;
    if (running !== undefined && running !== null && running.constructor.name === 'Query' && typeof running.onResult !== 'function') {
      lease.destroy(new PoolError('POOL_LEASE_RELEASED', 'released while a streamed query was still running'));
    } else {
      lease.release();
    }
  };
  const destroy = (): void => {
    const lease = own.lease;
    own.lease = undefined;
    if (lease !== undefined && !lease.released) lease.destroy(new PoolError('POOL_LEASE_RELEASED', 'destroyed by its borrower'));
    else sessionOf(connection)?.hardClose();
  };
  const overrides: Record<PropertyKey, unknown> = {
    release,
    destroy,
    end: (callback?: (error?: unknown) => void) => {
      if (own.gracefulEnd) destroy();
      else release();
      if (typeof callback === 'function') callback();
    },
    // not lent yet (a 'connection' or first 'acquire' listener): the connection's own promise API, as
    // mysql2's `conn.promise()` there; once lent, the borrower's view (refused after its release)
    promise: () => (own.promise === undefined ? connection : own.promise()),
    [Symbol.dispose]: release,
  };
  own.facade = new Proxy(core as object, {
    get(target, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key];
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      if (statements.has(key) && (own.lease === undefined || own.lease.released) && own.promise !== undefined) {
        // as mysql2's callback API reports errors: to the callback when there is one, thrown otherwise
        return (...args: unknown[]) => {
          const error = new PoolError('POOL_LEASE_RELEASED', 'this connection was released to the pool; borrow another with getConnection()');
          const callback = args[args.length - 1];
          if (typeof callback !== 'function') throw error;
          process.nextTick(callback as (error: unknown) => void, error);
          return undefined;
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  }) as PoolConnection;
  slots.set(connection, own);
  return own.facade;
}

/** Gives the view of `lease`'s connection to its borrower; `promise` builds the promise-API view for `.promise()`. */
export function lendCallbackConnection(lease: Lease<Connection>, gracefulEnd: boolean, promise: () => unknown): PoolConnection {
  const facade = callbackConnection(lease.resource, gracefulEnd);
  const slot = slots.get(lease.resource)!;
  slot.lease = lease;
  slot.gracefulEnd = gracefulEnd;
  slot.promise = promise;
  return facade;
}
