import type { Session } from './session.js';

const restoreIgnoreSpace = "SET SESSION sql_mode = IF(@@global.sql_mode = '', 'IGNORE_SPACE', CONCAT(@@global.sql_mode, ',IGNORE_SPACE'))";

/**
 * Puts a released connection back in the state the next borrower expects.
 *
 * - `full` false: ROLLBACK when the session may be inside a transaction (or statements the borrower did not
 *   await are still running: the ROLLBACK runs after them), `DO RELEASE_ALL_LOCKS()` and
 *   `UNLOCK TABLES` when a statement that takes a lock ran (GET_LOCK, LOCK TABLES, FLUSH TABLES ... READ LOCK,
 *   seen in the SQL text), and restore autocommit if a borrower changed it. Session variables, user
 *   variables and temporary tables are kept.
 * - `full` true: COM_RESET_CONNECTION (rolls back, drops temporary tables, clears user and session
 *   variables and prepared statements; mysql2 clears its statement cache), then `USE <database>`:
 *   the reset keeps whatever database a borrower switched to, so the configured one is restored.
 *   When the connection was opened with the IGNORE_SPACE client flag, `sql_mode` gets it back too, and
 *   the SET statements the pool's 'connection' listeners sent on the new connection are sent again.
 *
 * Resolves true when the connection is reusable. A failure rejects, and the pool destroys the connection.
 */
export async function resetSession(session: Session, full: boolean): Promise<boolean> {
  const { connection } = session;
  if (full) {
    await connection.reset();
    session.markClean();
    // MariaDB's reset sets sql_mode to the global value, dropping the IGNORE_SPACE that the client
    // flag (on in mysql2's defaults) added at connect: put it back, so the session matches a fresh one
    if (session.ignoreSpace) await connection.query(restoreIgnoreSpace);
    if (session.database !== undefined) await connection.query(`USE ${connection.escapeId(session.database)}`);
    // what the pool's 'connection' listeners set up on the new connection (SET time_zone, sql_mode, @vars...)
    for (const { sql, values } of session.setup) await connection.query(sql, values as never);
    return true;
  }
  // statements still in flight (released without awaiting them) may open a transaction whose OK packet
  // has not come yet: the ROLLBACK queues behind them, so it runs once they are done
  if (session.inTransaction || session.uncertain || session.inFlight > 0 || !session.defaultAutocommit) await connection.query('ROLLBACK');
  // after the ROLLBACK: UNLOCK TABLES would commit an open transaction
  await releaseLocks(session);
  if (session.autocommit !== session.defaultAutocommit) await connection.query(`SET autocommit = ${session.defaultAutocommit ? 1 : 0}`);
  session.markClean();
  return true;
}

/** `DO RELEASE_ALL_LOCKS()` and `UNLOCK TABLES` for the locks a statement may have taken; clears the two flags. Outside a transaction only. */
export async function releaseLocks(session: Session): Promise<void> {
  if (session.namedLocks) await session.connection.query('DO RELEASE_ALL_LOCKS()');
  session.namedLocks = false;
  if (session.tableLocks) await session.connection.query('UNLOCK TABLES');
  session.tableLocks = false;
}
