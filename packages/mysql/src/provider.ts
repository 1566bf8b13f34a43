import { PoolOptionError, type ResourceProvider } from '@pool/core';
import mysql from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { close } from './close.js';
import { secretsOf, splitConfig, type AdapterSettings, type MysqlProviderConfig } from './config.js';
import { classifyMysqlCreateError } from './classify.js';
import { connect } from './connect.js';
import { writableHostConnector } from './hosts.js';
import { isFatalMysqlError, isReadOnlyMysqlError } from './errors.js';
import { ping } from './ping.js';
import { resetSession } from './reset.js';
import { sessionOf } from './session.js';

/**
 * A {@link ResourceProvider} of mysql2 promise connections (`mysql2/promise` `Connection`):
 *
 * - `create` opens a connection and honours the pool's signal (an aborted connect closes its socket);
 *   'error' and 'end' listeners are attached at once, so an idle connection's error never crashes the process.
 * - `validate` sends COM_PING (`connection.ping()`, no SQL parsing) under the pool's validate timeout;
 *   a ping with no answer marks the connection broken.
 * - `reset` rolls back a transaction left open (tracked from OK-packet status flags), or with
 *   `resetSession: true` resets the whole session (COM_RESET_CONNECTION, then the configured database and sql_mode).
 * - `isBroken` is true once the connection emitted 'error' or 'end', or mysql2 recorded a fatal error.
 * - `isFatal` is true for connection-level errors ({@link isFatalMysqlError}); `isFailover` for read-only errors.
 * - `classifyCreateError`: authentication, unknown database, TLS verification and bad config are
 *   permanent (callers fail at once); "Too many connections" (1040, or a user's limit 1203/1226) is
 *   busy (@pool/core paces the connects: 100 ms doubling, at most 1 s apart); refused, reset and
 *   timeouts are transient.
 *
 * Passwords never appear in errors from `create`, and are removed from the connection's config once
 * it is connected (so `changeUser()` on a pooled connection needs the password passed explicitly).
 */
export function mysqlProvider(config: MysqlProviderConfig | string): ResourceProvider<Connection> {
  return buildMysqlProvider(config).provider;
}

/** The provider plus what the ready-made pool needs beside it: where the server is now (for the watchdog's probe). */
export interface BuiltProvider {
  provider: ResourceProvider<Connection>;
  driver: mysql.ConnectionOptions;
  secrets: string[];
  settings: AdapterSettings;
  /** The server connections go to: the configured one, or the host found writable last. */
  target(): mysql.ConnectionOptions;
}

/** @internal {@link mysqlProvider} and its surroundings. */
export function buildMysqlProvider(config: MysqlProviderConfig | string): BuiltProvider {
  const { driver, settings } = splitConfig(config);
  if (settings.resetSession && typeof (mysql.Connection?.prototype as { reset?: unknown } | undefined)?.reset !== 'function') {
    throw new PoolOptionError('resetSession', '@pool/mysql: `resetSession: true` needs a mysql2 with connection.reset() (COM_RESET_CONNECTION); upgrade mysql2');
  }
  // the options live only in this closure: the provider object itself holds no password to print
  const secrets = secretsOf(driver as Record<string, unknown>);
  const toWritable = settings.hosts === undefined ? undefined! : writableHostConnector(driver, settings.hosts, secrets);
  const provider: ResourceProvider<Connection> = {
    create: settings.hosts === undefined ? ({ signal }) => connect(driver, secrets, signal) : ({ signal }) => toWritable.create(signal),
    destroy: (connection) => close(connection, settings),
    validate: (connection, { signal }) => ping(connection, signal),
    reset: (connection) => resetOnRelease(connection, settings),
    isBroken: (connection) => sessionOf(connection)?.isBroken() ?? true,
    isFatal: isFatalMysqlError,
    isFailover: isReadOnlyMysqlError,
    classifyCreateError: classifyMysqlCreateError,
  };
  const target = settings.hosts === undefined ? () => driver : () => ({ ...driver, ...toWritable.current() });
  return { provider, driver, secrets, settings, target };
}

function resetOnRelease(connection: Connection, settings: AdapterSettings): Promise<boolean> | boolean {
  const session = sessionOf(connection);
  if (session === undefined || session.isBroken()) return false;
  session.dropBorrowerListeners();
  if (!settings.resetSession && !session.dirty) return true;
  return resetSession(session, settings.resetSession);
}
