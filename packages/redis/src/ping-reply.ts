/**
 * What an error reply to the validation `PING` says about the connection it came on.
 *
 * The server read the PING and answered it, in order, on this very connection: the connection is
 * alive and in sync, whatever the error says about the server. `BUSY` (a long script: `SCRIPT KILL`
 * must still get through), `NOPERM` (an ACL user without `+ping`), `MASTERDOWN`, `MISCONF`, `OOM`...
 * are the server's state, which a plain ioredis client's next command meets too; a new connection
 * would meet it as well (or, for BUSY, fail its handshake), so replacing this one only churns.
 *
 * Two replies do mean this connection cannot serve the next borrower: `NOAUTH`/`WRONGPASS` (its
 * session is no longer authenticated) and `LOADING` (a new connection waits for the dataset in
 * ioredis's ready check, where this one would fail the borrower's command at once).
 */
export type PingReplyVerdict = 'alive' | 'replace' | 'unknown';

export function judgePingError(error: unknown): PingReplyVerdict {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return 'unknown';
  return /^(NOAUTH|WRONGPASS|LOADING)\b/.test(error.message) ? 'replace' : 'alive';
}
