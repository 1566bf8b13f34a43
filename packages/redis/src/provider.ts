import { randomBytes } from 'node:crypto';
import { type ResourceProvider } from '@pool/core';
import { scrubError, scrubText } from '@pool/core/adapter-kit';
import { Redis } from 'ioredis';
import { classifyRedisCreateError, droppedInHandshake, isAuthRefusal, isFailoverRedisError, isFatalRedisError } from './classify.js';
import { dropBorrowerListeners, recordOwnListeners } from './borrower-listeners.js';
import { closeNow } from './close.js';
import { resolveConfig, type RedisProviderConfig, type ResolvedRedisConfig } from './config.js';
import { giveDuplicate } from './duplicate.js';
import { isHandshakeSelectRefusal } from './handshake-select.js';
import { withStableCode } from './error-codes.js';
import { isOpen } from './open.js';
import { OpenSessions, retireSession } from './open-sessions.js';
import { judgePingError } from './ping-reply.js';
import { RedisPoolError } from './errors.js';
import { drainReplies, RELEASE_DRAIN_MS } from './release-drain.js';
import { inSubscriberMode, markClean, repliesInFlight, sessionOf, trackSession, type SessionState } from './session.js';

/** A provider of ioredis connections, plus the settings it resolved. */
export interface RedisProvider extends ResourceProvider<Redis> {
  /** The resolved settings (the password stays inside; never log this object). */
  readonly config: Readonly<Omit<ResolvedRedisConfig, 'options' | 'standalone' | 'secrets' | 'password'>>;
  /** `host:port`, for messages. */
  readonly address: string;
  /** Redacts the password out of a string. */
  redact(text: string): string;
}

/**
 * Keeps the password ioredis holds (`client.options`, `client.condition.auth`) out of `console.log`, `util.inspect` and
 * JSON of the client (and of a pool holding it): the value stays, it is just not enumerable. The
 * client never reconnects (the pool replaces it), so nothing re-reads it.
 */
function hidePassword(client: Redis): void {
  hide(client.options as unknown as Record<string, unknown>, ['password', 'sentinelPassword']);
  // ioredis keeps the AUTH arguments of the handshake in `condition.auth`
  const condition = (client as unknown as { condition?: Record<string, unknown> }).condition;
  if (typeof condition === 'object' && condition !== null) hide(condition, ['auth']);
}

/**
 * Hides the password again each time `connect()` runs (a borrower's `disconnect()` then `connect()`):
 * ioredis rebuilds `condition.auth` inside it, before its promise settles. Hidden there, not at
 * 'ready': a reconnect refused (a rotated password, a server down) never gets to 'ready', and the
 * client would keep the password in util.inspect for good. If ioredis stops calling `connect` for its
 * connects, the password shows as it does on a plain ioredis client.
 */
function hidePasswordOnConnect(client: Redis): void {
  const connect = client.connect;
  Object.defineProperty(client, 'connect', {
    value: function connectHidden(this: Redis, ...args: Parameters<Redis['connect']>) {
      try {
        return connect.apply(this, args);
      } finally {
        hidePassword(client);
      }
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

function hide(target: Record<string, unknown>, keys: string[]): void {
  for (const key of keys) {
    if (target[key] === undefined) continue;
    try {
      Object.defineProperty(target, key, { value: target[key], enumerable: false, writable: true, configurable: true });
    } catch {
      // frozen: nothing to do
    }
  }
}

/**
 * `host:port` of the server a connection is on, for messages: the provider's own address is not it
 * with Sentinel, whose per-server providers share one template's validate and reset.
 */
function serverOf(client: Redis): string {
  const { host, port } = client.options;
  return `${String(host)}:${String(port)}`;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * A {@link ResourceProvider} of ioredis connections for @pool/core.
 *
 * - create: `new Redis({ lazyConnect, retryStrategy: () => null, enableOfflineQueue: false, ... })`
 *   then `connect()`; ioredis never reconnects on its own: a dead connection is broken and the pool
 *   replaces it. The connect honours the create signal (create timeout, pool close).
 * - validate: `PING <nonce>` and the echo must match (under the pool's `validateTimeoutMs`).
 * - isBroken: not `ready`, or its socket no longer writable (a borrower's `disconnect()`).
 * - reset: see {@link RedisProviderConfig.reset}; replies still owed to commands released unawaited
 *   are waited for first (up to RELEASE_DRAIN_MS, else destroyed); a connection in subscriber mode,
 *   inside MULTI, or after RESET/HELLO/CLIENT REPLY... is destroyed instead.
 * - isFatal: socket errors, "Connection is closed.", command timeouts. isFailover: READONLY.
 *
 * Every error it raises or passes on is redacted: the password never appears in it.
 */
export function redisProvider(config: RedisProviderConfig | string = {}): RedisProvider {
  const resolved = resolveConfig(config);
  const { secrets, options, db, clientName } = resolved;
  const address = `${resolved.host}:${resolved.port}`;
  const redact = (text: string) => scrubText(text, secrets);
  // the driver's error itself, class kept, with the password scrubbed out of its message, stack and
  // attached command arguments (AUTH, HELLO ... AUTH), and a stable `code`
  const sanitize = (error: unknown): Error => withStableCode(scrubError(error instanceof Error ? error : new Error(String(error)), secrets));
  // connections with a live session: while one is open, a credentials refusal is not the callers' end
  const open = new OpenSessions();

  async function create({ signal }: { signal: AbortSignal }): Promise<Redis> {
    if (signal.aborted) throw abortError(signal);
    const client = new Redis(options);
    // the AUTH arguments as ioredis builds them: an empty username is none (`AUTH <password>`)
    const state = trackSession(client, resolved.password === undefined ? undefined : resolved.username ? [resolved.username, resolved.password] : [resolved.password]);
    // An idle connection's socket errors must never crash the process: keep the last one, redacted.
    client.on('error', (error: unknown) => {
      state.lastError = sanitize(error);
    });
    const onAbort = () => closeNow(client);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
    } catch (error) {
      closeNow(client);
      if (signal.aborted) throw abortError(signal);
      // ioredis rejects connect() with "Connection is closed." after an AUTH or SELECT failure; the
      // 'error' event before it carries the reason (WRONGPASS, NOAUTH, ...)
      const safe = state.lastError ?? sanitize(error);
      const hint = droppedInHandshake(safe) ? ' (the server closed the connection during the handshake: max clients reached?)' : '';
      throw new RedisPoolError('REDIS_CONNECT_FAILED', `could not connect to redis at ${address}: ${safe.message}${hint}`, { cause: safe });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) {
      closeNow(client);
      throw abortError(signal);
    }
    if (isHandshakeSelectRefusal(state.lastError)) {
      // ioredis carries on in db 0 after a refused SELECT: never lend a connection on another db than configured
      closeNow(client);
      const safe = state.lastError as Error;
      throw new RedisPoolError('REDIS_CONNECT_FAILED', `could not connect to redis at ${address}: SELECT ${db} failed: ${safe.message}`, { cause: safe });
    }
    // the handshake (AUTH, SELECT, CLIENT SETNAME/SETINFO) is the configured session, not a borrower's change
    markClean(state);
    hidePassword(client);
    giveDuplicate(client, resolved.standalone);
    open.track(client, true);
    // a borrower's own reconnect (disconnect(), then connect()) rebuilds the AUTH arguments ioredis keeps
    hidePasswordOnConnect(client);
    recordOwnListeners(client);
    return client;
  }

  async function validate(client: Redis, { signal }: { signal: AbortSignal }): Promise<boolean> {
    if (!isOpen(client) || inSubscriberMode(client)) return false;
    if (signal.aborted) throw abortError(signal);
    const nonce = randomBytes(6).toString('hex');
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const reply = await Promise.race([client.ping(nonce), aborted]);
      return reply === nonce;
    } catch (error) {
      // the server answered this connection with an error of its own (BUSY, NOPERM, ...): alive, in sync
      const verdict = judgePingError(error);
      if (verdict !== 'unknown') return verdict === 'alive';
      const safe = sanitize(error);
      throw new RedisPoolError('REDIS_PING_FAILED', `PING to ${serverOf(client)} failed: ${safe.message}`, { cause: safe });
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      aborted.catch(() => undefined);
    }
  }

  function unusable(client: Redis, state: SessionState | undefined): boolean {
    return state === undefined || !isOpen(client) || state.inMulti || state.tainted !== undefined || inSubscriberMode(client);
  }

  function reset(client: Redis): boolean | Promise<boolean> {
    const state = sessionOf(client);
    if (unusable(client, state)) return false;
    // commands released unawaited: let them finish (as on a plain client), then judge the session they leave
    if (repliesInFlight(client) > 0) return drainReplies(client, RELEASE_DRAIN_MS).then((drained) => drained && repliesInFlight(client) === 0 && resetSession(client));
    return resetSession(client);
  }

  function resetSession(client: Redis): boolean | Promise<boolean> {
    const state = sessionOf(client);
    if (unusable(client, state)) return false;
    const session = state as SessionState;
    // a borrower's listeners (pub/sub messages after unsubscribing, 'error', 'end', ...) never reach the next one
    dropBorrowerListeners(client, session);
    if (resolved.reset === 'tracked' && !session.watched && !session.selected && !session.renamed) return true;
    const pipeline = client.pipeline();
    const expected: string[] = [];
    if (resolved.reset === 'command') {
      pipeline.call('RESET');
      expected.push('RESET');
      if (resolved.password !== undefined) {
        if (resolved.username !== undefined) pipeline.call('AUTH', resolved.username, resolved.password);
        else pipeline.call('AUTH', resolved.password);
        expected.push('OK');
      }
    } else {
      pipeline.call('UNWATCH');
      expected.push('OK');
    }
    if (resolved.reset !== 'tracked' || session.selected) {
      // ioredis's own `select` (lower-case name): ioredis tracks it in `condition.select`, as it does a
      // borrower's. `call('SELECT')` went untracked, so the next borrower's client still named the
      // borrower's db: in ioredis's command traces, to its 'select' listeners (its own SELECT of that db
      // emitted nothing), and on a reconnect, which selected that db again
      pipeline.select(db);
      expected.push('OK');
    }
    // an empty clientName means "no name": `CLIENT SETNAME ''` clears the one a borrower set
    if (session.renamed || (resolved.reset === 'command' && clientName !== '')) {
      pipeline.call('CLIENT', 'SETNAME', clientName);
      expected.push('OK');
    }
    return pipeline.exec().then(
      (results) => {
        if (results === null || results.length !== expected.length) return false;
        for (const [index, [error, reply]] of results.entries()) {
          // inside MULTI the server would answer QUEUED: never reuse such a connection
          if (error !== null || String(reply) !== expected[index]) {
            if (error !== null) {
              const safe = sanitize(error);
              throw new RedisPoolError('REDIS_RESET_FAILED', `reset of a connection to ${serverOf(client)} failed: ${safe.message}`, { cause: safe });
            }
            return false;
          }
        }
        markClean(session);
        return true;
      },
      (error: unknown) => {
        const safe = sanitize(error);
        throw new RedisPoolError('REDIS_RESET_FAILED', `reset of a connection to ${serverOf(client)} failed: ${safe.message}`, { cause: safe });
      },
    );
  }

  async function destroy(client: Redis): Promise<void> {
    retireSession(client);
    if (client.status === 'end') return;
    if (!isOpen(client) || repliesInFlight(client) > 0) {
      closeNow(client);
      return;
    }
    // QUIT lets the server close cleanly; close the socket if it does not answer quickly
    const timer = setTimeout(() => closeNow(client), 1_000);
    try {
      await client.quit();
    } catch {
      closeNow(client);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    config: {
      host: resolved.host, port: resolved.port, username: resolved.username, db, clientName,
      reset: resolved.reset, tls: resolved.tls,
    },
    address,
    redact,
    create,
    validate,
    reset,
    destroy,
    isBroken: (client) => !isOpen(client),
    isFatal: isFatalRedisError,
    isFailover: isFailoverRedisError,
    // the server's password changed (rotation) while sessions it authenticated live on: callers wait
    // for those instead of failing at once; with none left, a credentials refusal is permanent again
    // a rotated password while sessions it authenticated live on: 'busy' (paced retries, callers keep waiting for those sessions)
    classifyCreateError: (error) => (open.size > 0 && isAuthRefusal(error) ? 'busy' : classifyRedisCreateError(error)),
  };
}
