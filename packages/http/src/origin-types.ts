import type { PoolStats } from '@pool/core';
import type { HttpConnection } from './connection.js';
import type { OriginState } from './origin-state.js';

/** How origins are taken out of rotation and probed back in. */
export interface FailoverOptions {
  /**
   * Failures in a row that mark an origin down: connection failures (connect errors, a new socket
   * dying under its first request), reset by any answered request; or failed health checks, reset
   * only by a passing one (an origin that answers requests but fails its health check is taken out). @default 2
   */
  downAfterFailures?: number;
  /** Backoff between probes of a down origin: a fresh connection plus one health check. @default { minDelayMs: 250, maxDelayMs: 10000 } */
  probe?: { minDelayMs?: number; maxDelayMs?: number };
  /** When > 0, each up origin is health-checked this often on a pooled connection, whatever the traffic. @default 10000 */
  checkIntervalMs?: number;
}

/** Resolved failover settings. */
export interface ResolvedFailover {
  downAfterFailures: number;
  probeMinDelayMs: number;
  probeMaxDelayMs: number;
  checkIntervalMs: number;
}

/** One origin's state as {@link HttpPool.origins} reports it. */
export interface OriginStatus {
  /** The origin, password redacted. */
  origin: string;
  /** False while the origin is out of rotation. */
  up: boolean;
  /** Requests routed to it that have not finished (waiting for a connection included). */
  inflight: number;
  /** Consecutive failures counted toward `downAfterFailures`: the larger of connection failures and failed health checks. */
  failures: number;
  /** The last failure, if any. */
  lastError: unknown;
  /** The origin's @pool/core pool. */
  pool: PoolStats;
}

/** What an origin tells its dispatcher. */
export interface OriginListener {
  onDown(origin: OriginState, cause: unknown): void;
  onUp(origin: OriginState): void;
  /** A pooled connection was opened (before any request on it). */
  onConnection?(origin: OriginState, connection: HttpConnection): void;
  /** Opening a pooled connection failed (refused, timed out, TLS error, ...). */
  onConnectError?(origin: OriginState, error: unknown): void;
}
