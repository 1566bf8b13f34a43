import { PoolError } from '@pool/core';
import { probeWasRefused, type WatchedCall } from '@pool/core/adapter-kit';
import { applyCallSite, type CallSite } from './call-site.js';
import type { Lent, QueryCommand } from './pool-query.js';
import { sessionOf } from './session.js';
import { settleAfterError } from './settle.js';

/**
 * A streamed or event-emitting query: rows flow as mysql2 emits them; the connection goes back at 'end'.
 *
 * Its wait for a connection (`lent`) has the deadline and frozen-server watch of every borrow, and the
 * statement is watched until the server's first answer ('fields', a first row or OK packet, 'end' or an
 * error): on a frozen server it fails with POOL_SERVER_UNRESPONSIVE by the same bound as a non-streamed
 * query, its connection destroyed. From the first answer on the reader sets the pace: no deadline, no watch.
 * Every failure reaches the command's 'error' listeners (the stream's, mysql2's pool emits its errors there
 * too) and `done`.
 *
 * If the connection dies mid-stream (KILL, a restart, a reset socket), mysql2 reports it to the
 * connection, not to this command, and never ends the command: the connection is then destroyed, the
 * stream (or the 'error' listeners) get the error, and the pool's slot is free again.
 */
export function streamQuery(lent: Promise<Lent>, cmd: QueryCommand, sql: string, site: CallSite | undefined, done: (error: unknown) => void): void {
  lent.then(({ ctx, lease }) => {
    const session = sessionOf(lease.resource);
    let failure: unknown;
    let finished = false;
    let watched: WatchedCall | undefined;
    // the watch ends at the first answer (proof of life), or when the stream ends without one (none)
    const unwatch = (replied: boolean): void => {
      watched?.done(replied);
      watched = undefined;
      cmd.off('fields', answered);
      cmd.off('result', answered);
    };
    const answered = (): void => unwatch(true);
    const finish = (error: unknown, lost: boolean): void => {
      if (finished) return;
      finished = true;
      unwatch(!lost); // a statement error or an 'end' is the server's answer; a lost connection is none
      session?.core.off('error', onLost);
      session?.core.off('end', onClosed);
      if (lost) lease.destroy(error);
      else if (error !== undefined) settleAfterError(ctx.core, lease, error);
      else lease.release();
      done(error);
    };
    const onLost = (error: unknown): void => {
      if (finished) return;
      const lost = error ?? new PoolError('POOL_CONNECTION_LOST', 'the connection closed while the streamed query ran', { pool: ctx.name });
      finish(lost, true);
      cmd.emit('error', lost); // heard by the stream; this function's own listener keeps it from being thrown
    };
    // mysql2 emits the connection's 'end' before its 'error' (PROTOCOL_CONNECTION_LOST, raised when the
    // socket closes): wait for that, so the stream gets mysql2's own error
    const onClosed = (): void => {
      const socket = (session?.core as { stream?: { closed?: boolean; once?: (event: string, listener: () => void) => void } } | undefined)?.stream;
      const settle = () => setImmediate(() => onLost(session?.error));
      if (socket?.once !== undefined && socket.closed === false) socket.once('close', settle);
      else settle();
    };
    // no answer, and the server did not answer the watch's check either: frozen. The connection is
    // marked broken and destroyed (its late reply dropped), the caller hears what a non-streamed query would
    const onSilent = (error: PoolError): void => {
      if (finished) return;
      session?.markBroken(error);
      applyCallSite(error, site);
      finish(error, true);
      cmd.emit('error', error);
    };
    cmd.on('error', (error: unknown) => {
      failure = error;
    });
    cmd.once('end', () => finish(failure, false));
    cmd.sql = sql;
    try {
      if (session === undefined) throw new TypeError('@pool/mysql: the pool lent a connection this adapter did not create');
      session.core.once('error', onLost);
      session.core.once('end', onClosed);
      if (ctx.watchdog !== undefined) {
        cmd.once('fields', answered);
        cmd.once('result', answered);
        // a check the server refused (it went down) is no freeze: the socket's own error settles the stream
        watched = ctx.watchdog.watch((error) => {
          if (!probeWasRefused(error)) onSilent(error);
        });
      }
      session.core.query(cmd as never);
    } catch (error) {
      finished = true;
      unwatch(false);
      session?.core.off('error', onLost);
      session?.core.off('end', onClosed);
      lease.release();
      cmd.emit('error', error);
      done(error);
    }
  }, (error: unknown) => {
    applyCallSite(error, site);
    done(error);
    cmd.emit('error', error);
  });
}
