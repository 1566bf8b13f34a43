/**
 * Error classes for the pool: which errors mean "this connection is finished" (isFatal) and which
 * mean "every connection points at the wrong server" (isFailover).
 */
import type { CreateErrorKind } from '@pool/core';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : '';
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * True for connection-level errors: the socket closed or failed, a command timed out with its reply
 * still owed (the next reply read would belong to it), the client is not writable. A Redis error
 * reply (ReplyError: WRONGTYPE, a script error, ...) leaves the connection in sync and is not fatal.
 */
export function isFatalRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isReplyError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTCONN|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|ERR_STREAM_DESTROYED|ERR_SOCKET_CLOSED)$/.test(code)) return true;
  const message = error.message;
  return (
    message === 'Connection is closed.' ||
    message.startsWith("Stream isn't writeable") ||
    message === 'Command timed out' ||
    error.name === 'MaxRetriesPerRequestError'
  );
}

/**
 * True when the server says it is no longer the primary: `READONLY You can't write against a read
 * only replica` (a failover demoted it), or `UNBLOCKED ... instance state changed` sent to clients
 * blocked when the primary turned into a replica. The pool then evicts every connection.
 */
export function isFailoverRedisError(error: unknown): boolean {
  if (!isReplyError(error)) return false;
  const message = messageOf(error);
  return message.startsWith('READONLY') || (message.startsWith('UNBLOCKED') && /state changed/i.test(message));
}

/**
 * `isFailover` of a pool of replicas (Sentinel `role: 'replica'`): READONLY is a replica's normal
 * answer to a write (a caller's mistake, not a failover), so it must not evict every connection;
 * the sentinels' `+switch-master` does that when the topology really changes.
 */
export function isReplicaFailoverRedisError(error: unknown): boolean {
  return isFailoverRedisError(error) && !messageOf(error).startsWith('READONLY');
}

/** Server replies at connect that no retry can fix: credentials, ACL, a command the config needs. */
const permanentReply = /^(WRONGPASS|NOAUTH|NOPERM)\b|^ERR (unknown command .?(HELLO|AUTH|SELECT|CLIENT)|.*AUTH.*(without any password|no password is set)|invalid DB index|DB index is out of range|invalid password|Client sent AUTH|wrong number of arguments for .?(auth|hello))/i;
/** Server replies at connect that pass: a server loading its dataset, a replica without its primary, a cluster in flux. */
const transientReply = /^(LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/i;
/** Node's TLS verification failures: a certificate the server presents will not change on a retry. */
const tlsCodes = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|ERR_SSL_)/;

/** A server that is up but turns the connection away: max clients reached, or a handshake answered BUSY (a long script). */
const fullReply = /^BUSY\b|max(imum)? number of clients reached/i;
const droppedCodes = new Set(['EPIPE', 'ECONNRESET']);

/**
 * True when a connect failed because the socket was dropped during the handshake (no reason given):
 * what a server at maxclients looks like to ioredis, whose handshake write meets the closed socket
 * before the server's `-ERR max number of clients reached` is read.
 */
export function droppedInHandshake(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.message === 'Connection is closed.' || (typeof code === 'string' && droppedCodes.has(code));
}

/**
 * The provider's `classifyCreateError`: `'permanent'` for a wrong password or user (WRONGPASS,
 * NOAUTH, NOPERM), a config the server refuses (unknown HELLO/AUTH command, AUTH without a password
 * set, a db index out of range) and TLS verification; `'busy'` for a server that is up but turns the
 * connection away (max clients reached, a handshake answered BUSY, a socket dropped in the
 * handshake): @pool/core then paces the connects (100 ms doubling, at most 1 s apart) where it would
 * probe every 25 ms, which made ~80 connects in 2.5 s against a full server (a plain ioredis client
 * backs off to one every 2 s); `'transient'` for everything else: refused, reset, timeouts, LOADING,
 * MASTERDOWN. Looks through the `cause` chain.
 */
export function classifyRedisCreateError(error: unknown): CreateErrorKind {
  for (let link = error, depth = 0; link instanceof Error && depth < 5; link = link.cause, depth++) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && tlsCodes.test(code)) return 'permanent';
    if (fullReply.test(link.message) || droppedInHandshake(link)) return 'busy';
    if (transientReply.test(link.message)) return 'transient';
    if (isReplyError(link) || /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(link.message)) {
      if (permanentReply.test(link.message)) return 'permanent';
    }
  }
  return 'transient';
}

/**
 * True when a failed connect was refused for its credentials (`WRONGPASS`, `NOAUTH`): permanent for
 * a pool with no connection, but while connections made with the same credentials are still open
 * (the password was rotated on the server, which keeps authenticated sessions), the callers waiting
 * can be served by those: see `redisProvider`'s `classifyCreateError`.
 */
export function isAuthRefusal(error: unknown): boolean {
  for (let link = error, depth = 0; link instanceof Error && depth < 5; link = link.cause, depth++) {
    if (/^(WRONGPASS|NOAUTH)\b/.test(link.message)) return true;
  }
  return false;
}
